// Every page fits a phone screen (390 × 844, an iPhone 12–15) with nothing scrolling sideways.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { expectClean, signIn } from './browser-steps.js';
import { createPaste, gqlOk as gql, registerUser } from '../support/graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const PHONE = { width: 390, height: 844 };
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

let web: WebFixture;
beforeAll(async () => {
  web = await startWebFixture();
}, 90_000);
afterAll(async () => {
  await web?.close();
}, 30_000);

/** Opens a path and waits for what that page renders last. */
async function open(page: Page, path: string, ready: string): Promise<number> {
  await page.goto(path);
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

describe('narrow screens', () => {
  it('fits /, /p/ID, /mine, /top and /login in 390 px, signed in and signed out', async () => {
    const user = await registerUser(web.stack.gatewayUrl, 'narrow-screen');
    const id = await createPaste(
      web.stack.gatewayUrl,
      {
        content: `# ${'a long line of code that does not wrap '.repeat(6)}\nprint("hello")\n`,
        title: 'A title long enough to need two lines on a phone screen',
        language: 'python',
      },
      user.accessToken,
    );
    // A second version, so the page lists versions too.
    await gql(
      web.stack.gatewayUrl,
      'mutation($input: UpdatePasteInput!) { updatePaste(input: $input) { id } }',
      { input: { id, content: 'print("v2")\n' } },
      user.accessToken,
    );
    const pages: [string, string][] = [
      ['/', '#new-paste'],
      [`/p/${id}`, '[data-testid=paste-content]'],
      [`/p/${id}?v=1`, '[data-testid=paste-content]'],
      ['/top', '#main h1'],
      ['/login', '#login-form'],
    ];
    const w = await web.newPage({ viewport: PHONE });
    const tooWide: string[] = [];
    for (const [path, ready] of pages) {
      const width = await open(w.page, path, ready);
      if (width > PHONE.width) tooWide.push(`signed out ${path}: ${width} px`);
    }
    await signIn(w.page, user.email, user.password);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const [path, ready] of [...pages, ['/mine', '[data-testid=my-pastes]'] as [string, string]]) {
      const width = await open(w.page, path, ready);
      if (width > PHONE.width) tooWide.push(`signed in ${path}: ${width} px`);
      // Kept for people to look at (test-artifacts/phone-*.png).
      const name = path === '/' ? 'new' : path.split(/[/?]/)[1]! + (path.includes('?v=') ? '-v1' : '');
      await w.page.screenshot({ path: new URL(`phone-${name}.png`, ARTIFACTS).pathname, fullPage: true });
    }
    expect(tooWide).toEqual([]);
    expectClean(w);
  }, 60_000);
});
