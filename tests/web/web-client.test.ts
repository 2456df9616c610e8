// The web client in headless Chromium against the whole stack: create, view, burn, delete, sign in, edit, rank.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { expectClean, signIn } from './browser-steps.js';
import { createPaste, registerUser } from '../support/graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const SOURCE = 'def greet(name):\n    """Say hello."""\n    return f"hello {name}"\n\nprint(greet("mesh"))\n';

let web: WebFixture;
beforeAll(async () => {
  web = await startWebFixture();
}, 90_000);
afterAll(async () => {
  await web?.close();
}, 30_000);

/** Fills and submits the new-paste form; returns the paste id from the URL it lands on. */
async function createFromForm(
  page: Page,
  fields: { content: string; title?: string; language?: string; burn?: boolean; visibility?: string },
) {
  await page.goto('/');
  await page.fill('#content', fields.content);
  if (fields.title) await page.fill('#title', fields.title);
  if (fields.language) {
    await page.waitForSelector(`#language option[value="${fields.language}"]`, { state: 'attached' });
    await page.selectOption('#language', fields.language);
  }
  if (fields.visibility) await page.selectOption('#visibility', fields.visibility);
  if (fields.burn) await page.check('#burnAfterRead');
  await page.click('#new-paste button[type=submit]');
  await page.waitForURL(/\/p\/\w+/);
  return /\/p\/(\w+)/.exec(page.url())![1]!;
}

describe('web client', () => {
  it('creates a paste from the form and shows it highlighted, numbered, copyable and downloadable at its link', async () => {
    const w = await web.newPage();
    const id = await createFromForm(w.page, { content: SOURCE, title: 'greet.py', language: 'python' });
    await w.page.locator('[data-testid=delete-token]').waitFor();

    // A fresh browser opening the link sees the same paste.
    const reader = await web.newPage();
    await reader.page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.stack.gatewayUrl });
    await reader.page.goto(`/p/${id}`);
    const code = reader.page.locator('[data-testid=paste-content]');
    await code.waitFor();
    expect(await code.textContent()).toBe(SOURCE);
    expect(await reader.page.locator('[data-testid=paste-title]').textContent()).toBe('greet.py');
    expect(await reader.page.locator('.code .gutter').textContent()).toBe('1\n2\n3\n4\n5');
    expect(await code.locator('span.hljs-keyword').count()).toBeGreaterThan(0);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    await reader.page.screenshot({ path: new URL('paste-view.png', ARTIFACTS).pathname, fullPage: true });

    await reader.page.click('[data-testid=copy]');
    await reader.page.locator('.toolbar-status', { hasText: 'Copied' }).waitFor();
    expect(await reader.page.evaluate<string>('navigator.clipboard.readText()')).toBe(SOURCE);
    const [download] = await Promise.all([
      reader.page.waitForEvent('download'),
      reader.page.click('[data-testid=download]'),
    ]);
    expect(download.suggestedFilename()).toBe(`${id}.py`);
    expect(await fs.readFile(await download.path(), 'utf8')).toBe(SOURCE);
    expect(await reader.page.getAttribute('[data-testid=raw]', 'href')).toBe(`/raw/${id}`);
    expect(await (await fetch(`${web.stack.gatewayUrl}/raw/${id}`)).text()).toBe(SOURCE);
    expectClean(w);
    expectClean(reader);
  }, 30_000);

  it('keeps a burn-after-read paste hidden until Reveal, shows it once, then answers not found', async () => {
    const w = await web.newPage();
    const id = await createFromForm(w.page, { content: 'the launch code is 0000', burn: true });
    const reader = await web.newPage();
    await reader.page.goto(`/p/${id}`);
    await reader.page.locator('[data-testid=reveal]').waitFor();
    expect(await reader.page.content()).not.toContain('launch code');
    await reader.page.click('[data-testid=reveal]');
    await reader.page.locator('[data-testid=paste-content]', { hasText: 'the launch code is 0000' }).waitFor();
    expect(await reader.page.locator('.notice.warning').textContent()).toContain('burned');

    await reader.page.reload();
    const error = reader.page.locator('[data-testid=error]');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('NOT_FOUND');
    expect(await error.textContent()).toContain('Paste not found');
    expectClean(reader);
  }, 30_000);

  it('deletes an anonymous paste with the delete token this browser kept', async () => {
    const w = await web.newPage();
    const id = await createFromForm(w.page, { content: 'short-lived' });
    expect((await w.page.locator('[data-testid=delete-token]').textContent())!.length).toBeGreaterThan(20);
    await w.page.click('[data-testid=delete]');
    await w.page.click('[data-testid=confirm-delete]');
    await w.page.locator('[data-testid=notice-success]', { hasText: 'deleted' }).waitFor();
    expect(new URL(w.page.url()).pathname).toBe('/');
    expect((await fetch(`${web.stack.gatewayUrl}/raw/${id}`)).status).toBe(404);
    expectClean(w);
  }, 30_000);

  it('signs in, lists my pastes (private ones too), renews an expired access token, and signs out', async () => {
    const user = await registerUser(web.stack.gatewayUrl, 'mine');
    await createPaste(
      web.stack.gatewayUrl,
      { content: 'secret notes', title: 'my private notes', visibility: 'PRIVATE' },
      user.accessToken,
    );
    await createPaste(web.stack.gatewayUrl, { content: 'hello', title: 'my public hello' }, user.accessToken);
    const w = await web.newPage();
    await signIn(w.page, user.email, user.password);
    const table = w.page.locator('[data-testid=my-pastes]');
    await table.waitFor();
    expect(await table.textContent()).toContain('my private notes');
    expect(await table.textContent()).toContain('my public hello');
    expect(await w.page.locator('[data-testid=signed-in-as]').textContent()).toBe(user.displayName);

    // Pretend the access token ran out: the next request refreshes (rotating the refresh token) and still succeeds.
    // (Browser-side code is passed as strings: the tests compile without the DOM library.)
    const oldRefresh = await w.page.evaluate<string>(`(() => {
      const s = JSON.parse(localStorage.getItem('pastemesh.session'));
      s.accessTokenExpiresAt = 0;
      localStorage.setItem('pastemesh.session', JSON.stringify(s));
      return s.refreshToken;
    })()`);
    await w.page.reload();
    await w.page.locator('[data-testid=my-pastes]', { hasText: 'my private notes' }).waitFor();
    const newRefresh = await w.page.evaluate<string>(
      "JSON.parse(localStorage.getItem('pastemesh.session')).refreshToken",
    );
    expect(newRefresh).not.toBe(oldRefresh);

    await w.page.click('[data-testid=logout]');
    await w.page.locator('a[href="/login"]').first().waitFor();
    expect(await w.page.evaluate("localStorage.getItem('pastemesh.session')")).toBeNull();
    await w.page.goto('/mine');
    await w.page.locator('[data-testid=sign-in-needed]').waitFor();
    expectClean(w);
  }, 30_000);

  it('registers from the form, then lets the owner edit a paste as a new version and open the older one', async () => {
    const w = await web.newPage();
    await w.page.goto('/register');
    await w.page.fill('#email', `editor-${Date.now()}@example.test`);
    await w.page.fill('#displayName', 'Editor');
    await w.page.fill('#password', 'a long enough password');
    await w.page.click('#register-form button[type=submit]');
    await w.page.waitForURL(/\/mine$/);
    expect(await w.page.locator('[data-testid=signed-in-as]').textContent()).toBe('Editor');
    const id = await createFromForm(w.page, { content: 'first draft', title: 'draft' });
    await w.page.click('[data-testid=edit]');
    await w.page.fill('#content', 'second draft');
    await w.page.click('#edit-paste button[type=submit]');
    await w.page.locator('[data-testid=notice-success]', { hasText: 'version 2' }).waitFor();
    expect(await w.page.locator('[data-testid=paste-content]').textContent()).toBe('second draft');
    await w.page.click(`[data-testid=versions] a[href="/p/${id}?v=1"]`);
    await w.page.locator('[data-testid=paste-content]', { hasText: 'first draft' }).waitFor();
    expect(await w.page.locator('.meta').textContent()).toContain('version 1 of 2');
    expectClean(w);
  }, 30_000);

  it('ranks a viewed public paste on the top page', async () => {
    const id = await createPaste(web.stack.gatewayUrl, { content: 'popular', title: 'crowd favourite' });
    const w = await web.newPage();
    // Browser-like user agents: isbot counts "viewer-N" (and curl) as bots, whose views are not ranked.
    for (let i = 0; i < 3; i++)
      await fetch(`${web.stack.gatewayUrl}/raw/${id}`, {
        headers: { 'user-agent': `Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0 reader-${i}` },
      });
    // Views reach analytics asynchronously (the gateway batches them every 250 ms).
    const deadline = Date.now() + 15_000;
    let found = false;
    while (!found && Date.now() < deadline) {
      await w.page.goto('/top?window=DAY');
      await w.page.locator('h1', { hasText: 'Top pastes' }).waitFor();
      await w.page.waitForLoadState('networkidle');
      found = (await w.page.locator(`[data-testid=top-pastes] tr[data-paste-id="${id}"]`).count()) === 1;
      if (!found) await new Promise((r) => setTimeout(r, 300));
    }
    expect(found).toBe(true);
    expectClean(w);
  }, 30_000);
});
