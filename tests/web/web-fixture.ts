// What every browser suite needs: the web client built, the whole stack running, and Chromium.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { ensureWebBuilt } from '../../gateway/web/build.js';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.js';
import { launchChromium } from './chromium.js';
import { registerUser } from '../support/graphql.js';

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
  const stack = await startStack({
    mode: 'embedded',
    ports: 'random',
    ...options,
    env: { LOG_LEVEL: 'warn', ...options.env },
  });
  let browser: Browser;
  try {
    await untilTokensAccepted(stack.gatewayUrl);
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

/**
 * Waits until the gateway and paste-svc accept access tokens. Each fetches auth-svc's
 * JWKS on first use with a 2 s timeout and then waits 10 s before trying again, so on
 * a loaded machine (two suites and their browsers on two cores) the first signed-in
 * requests can answer SERVICE_UNAVAILABLE "token keys are not available yet".
 * The suites test the pages, not that warm-up: start them once tokens work.
 */
async function untilTokensAccepted(gatewayUrl: string, timeoutMs = 30_000): Promise<void> {
  const { accessToken } = await registerUser(gatewayUrl, 'warm-up');
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    // myPastes checks the token in the gateway and again in paste-svc.
    const res = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ query: '{ myPastes(first: 1) { edges { cursor } } }' }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    if (body.data && !body.errors?.length) return;
    last = JSON.stringify(body.errors);
    if (!body.errors?.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the stack does not accept access tokens: ${last}`);
}
