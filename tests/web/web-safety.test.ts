// Untrusted content stays text, and every error the API can return is explained to the person.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPaste } from '../support/graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

/** Classic payloads, an mXSS shape and a polyglot; each would open a dialog if it ever became markup. */
const PAYLOADS = [
  '<script>alert("script")</script>',
  '<img src=x onerror=alert("img")>',
  '<svg onload=alert("svg")><circle r="10"/></svg>',
  '<iframe srcdoc="<script>alert(&quot;iframe&quot;)</script>"></iframe>',
  '"><img src=x onerror=alert(document.domain)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert("mxss")>',
  'jaVasCript:/*-/*`/*\\`/*\'/*"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e',
];
const CONTENT = PAYLOADS.join('\n');
const TITLE = '<img src=x onerror=alert("title")><svg onload=alert("title")>';
const PASTE_LIMIT = 4096;

let web: WebFixture;
beforeAll(async () => {
  // A small paste limit makes "too large" cheap to reach.
  web = await startWebFixture({ serviceEnv: { paste: { MAX_CONTENT_BYTES: String(PASTE_LIMIT) } } });
}, 90_000);
afterAll(async () => {
  await web?.close();
}, 30_000);

describe('web client safety', () => {
  it.each(['html', 'markdown', 'auto', 'plaintext'])(
    'renders script, img onerror, SVG and polyglot payloads as text (language %s), even with the CSP bypassed',
    async (language) => {
      const id = await createPaste(web.stack.gatewayUrl, { content: CONTENT, title: TITLE, language });
      // Without the CSP an inline handler would run: only the rendering keeps these inert here.
      const w = await web.newPage({ bypassCSP: true });
      await w.page.goto(`/p/${id}`);
      const code = w.page.locator('[data-testid=paste-content]');
      await code.waitFor();
      expect(await code.textContent()).toBe(CONTENT);
      expect(await w.page.locator('[data-testid=paste-title]').textContent()).toBe(TITLE);
      // Browser-side code as a string: the tests compile without the DOM library.
      const injected = await w.page.evaluate<{ elements: number; handlers: number; scripts: string[] }>(`({
      elements: document.querySelectorAll('#main img, #main svg, #main iframe, #main script, #main math, #main style, #main object, #main embed').length,
      handlers: Array.from(document.querySelectorAll('#main *')).filter((el) => Array.from(el.attributes).some((a) => /^on/i.test(a.name))).length,
      // Only the bundle's own script exists in the whole document.
      scripts: Array.from(document.scripts).map((s) => s.src ? new URL(s.src).pathname : 'inline'),
    })`);
      expect(injected.elements).toBe(0);
      expect(injected.handlers).toBe(0);
      expect(injected.scripts).toHaveLength(1);
      expect(injected.scripts[0]).toMatch(/^\/assets\/app-\w+\.js$/);
      await w.page.waitForTimeout(200);
      expect(w.dialogs).toEqual([]);
      expect(w.pageErrors).toEqual([]);
    },
    30_000,
  );

  it('serves every page under the strict CSP with no violation', async () => {
    const w = await web.newPage();
    const id = await createPaste(web.stack.gatewayUrl, { content: CONTENT, language: 'html' });
    for (const path of ['/', `/p/${id}`, '/login', '/register', '/top', '/mine']) {
      const res = await w.page.goto(path);
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await w.page.locator('#main h1, #main [data-testid=paste-content]').first().waitFor();
    }
    expect(w.cspViolations).toEqual([]);
    expect(w.pageErrors).toEqual([]);
  }, 30_000);

  it('explains a paste that is too large, naming the limit and marking the content field', async () => {
    const w = await web.newPage();
    await w.page.goto('/');
    await w.page.fill('#content', 'x'.repeat(PASTE_LIMIT + 1));
    await w.page.click('#new-paste button[type=submit]');
    const error = w.page.locator('[data-testid=error]');
    await error.waitFor();
    expect(await error.getAttribute('data-reason')).toBe('CONTENT_TOO_LARGE');
    expect(await error.textContent()).toContain('at most 4.0 KiB (4,096 bytes)');
    expect(await w.page.getAttribute('#content', 'aria-invalid')).toBe('true');
  }, 30_000);

  it('explains a missing paste', async () => {
    const w = await web.newPage();
    await w.page.goto('/p/AAAAAAAAAAA');
    const error = w.page.locator('[data-testid=error]');
    await error.waitFor();
    expect(await error.textContent()).toContain('Paste not found');
  }, 30_000);

  it('explains a rate limit with a countdown from retryAfter', async () => {
    const w = await web.newPage();
    // The stack's limits are generous so suites do not throttle each other; answer as the gateway would when one is hit.
    await w.page.route('**/graphql', (route) =>
      route.request().postDataJSON().operationName === 'CreatePaste'
        ? route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({
              data: null,
              errors: [
                {
                  message: 'too many create requests: retry in 7 s',
                  extensions: { code: 'RATE_LIMITED', reason: 'RATE_LIMITED', retryAfter: 7 },
                },
              ],
            }),
          })
        : route.continue(),
    );
    await w.page.goto('/');
    await w.page.fill('#content', 'hello');
    await w.page.click('#new-paste button[type=submit]');
    const error = w.page.locator('[data-testid=error]');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('RATE_LIMITED');
    expect(await error.textContent()).toMatch(/Try again in [67] seconds/);
  }, 30_000);

  it('explains that the service is degraded when paste-svc is down, and keeps the typed text', async () => {
    await web.stack.stopService('paste');
    try {
      const w = await web.newPage();
      await w.page.goto('/');
      await w.page.fill('#content', 'please keep me');
      await w.page.click('#new-paste button[type=submit]');
      const error = w.page.locator('[data-testid=error]');
      await error.waitFor({ timeout: 15_000 });
      expect(await error.getAttribute('data-code')).toBe('SERVICE_UNAVAILABLE');
      expect(await error.textContent()).toContain('Service degraded');
      expect(await w.page.inputValue('#content')).toBe('please keep me');
    } finally {
      await web.stack.startService('paste');
    }
  }, 40_000);
});
