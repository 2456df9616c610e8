// Steps several browser suites share: signing in through the form, and asserting a page stayed clean.
import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { WatchedPage } from './web-fixture.js';

/** Signs in through /login and waits for the page it lands on (My pastes). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(/\/mine$/);
}

/** No CSP violation, uncaught exception or dialog happened on the page. */
export function expectClean(w: WatchedPage): void {
  expect(w.cspViolations).toEqual([]);
  expect(w.pageErrors).toEqual([]);
  expect(w.dialogs).toEqual([]);
}
