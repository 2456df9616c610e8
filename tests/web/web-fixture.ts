// What every browser suite needs: the web client built, the whole stack running, and Chromium.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.js';
import { launchChromium } from './chromium.js';

/** A page plus what it did that a test may need to assert never happened. */
export interface WatchedPage {
  page: Page;
  /** Messages of alert/confirm/prompt dialogs that opened (each is dismissed). */
  dialogs: string[];
  /** Console messages about Content-Security-Policy violations. */
  cspViolations: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
}

export interface WebFixture {
  stack: Stack;
  browser: Browser;
  /** A page in a fresh context (its own localStorage). */
  newPage(options?: BrowserContextOptions): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** Builds the client if dist is missing, starts the stack on random ports, launches Chromium. */
export async function startWebFixture(options: StackOptions = {}): Promise<WebFixture> {
  await ensureWebBuilt();
  const stack = await startStack({ mode: 'embedded', ports: 'random', ...options, env: { LOG_LEVEL: 'warn', ...options.env } });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return {
    stack,
    browser,
    async newPage(contextOptions = {}) {
      const context = await browser.newContext({ baseURL: stack.gatewayUrl, ...contextOptions });
      const page = await context.newPage();
      const watched: WatchedPage = { page, dialogs: [], cspViolations: [], pageErrors: [] };
      page.on('dialog', (d) => {
        watched.dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) watched.cspViolations.push(m.text());
      });
      page.on('pageerror', (e) => watched.pageErrors.push(String(e)));
      return watched;
    },
    async close() {
      await browser.close();
      await stack.stop();
    },
  };
}
