// The paste page (/p/ID) in headless Chromium: the language it names, what Download and Raw give, and Copy link.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectClean } from './browser-steps.js';
import { createPaste, gqlOk as gql, registerUser } from '../support/graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const PYTHON = 'def greet(name):\n    """Say hello."""\n    return f"hello {name}"\n\nprint(greet("mesh"))\n';
const MARKDOWN =
  '# Release notes\n\nSome *emphasis* and a [link](https://example.com).\n\n## Changes\n\n- first item\n- second item\n\n```\ncode\n```\n';
const JSON_TEXT =
  '{\n  "name": "pastemesh",\n  "version": 1,\n  "private": true,\n  "tags": ["grpc", "graphql"],\n  "owner": null\n}\n';
const TYPESCRIPT =
  'interface User {\n  id: string;\n  name?: string;\n}\n\nexport function greet(user: User): string {\n  return `hello ${user.name ?? user.id}`;\n}\n';
const NOTE = 'hello there, this is a note to self\nbuy milk\n';

let web: WebFixture;
beforeAll(async () => {
  web = await startWebFixture();
}, 90_000);
afterAll(async () => {
  await web?.close();
}, 30_000);

describe('paste page', () => {
  it.each([
    ['auto', 'Python (detected)', 'py', PYTHON],
    ['auto', 'Markdown (detected)', 'md', MARKDOWN],
    ['auto', 'JSON (detected)', 'json', JSON_TEXT],
    ['auto', 'TypeScript (detected)', 'ts', TYPESCRIPT],
    ['auto', 'Plain text', 'txt', NOTE],
    ['typescript', 'TypeScript', 'ts', TYPESCRIPT],
  ])(
    'names the language (declared %s) "%s" and downloads the paste as .%s',
    async (language, label, ext, content) => {
      const id = await createPaste(web.stack.gatewayUrl, { content, language });
      const w = await web.newPage();
      await w.page.goto(`/p/${id}`);
      await w.page.locator('[data-testid=paste-content]').waitFor();
      const meta = (await w.page.locator('.meta').textContent())!;
      expect(meta).toContain(` · ${label} · `);
      expect(meta).not.toMatch(/\bauto\b/);
      const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.click('[data-testid=download]')]);
      expect(download.suggestedFilename()).toBe(`${id}.${ext}`);
      expect(await fs.readFile(await download.path(), 'utf8')).toBe(content);
      expectClean(w);
    },
    30_000,
  );

  it('copies the paste link to the clipboard and says so', async () => {
    const id = await createPaste(web.stack.gatewayUrl, { content: PYTHON });
    const w = await web.newPage();
    await w.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.stack.gatewayUrl });
    await w.page.goto(`/p/${id}?created=1`);
    await w.page.click('[data-testid=copy-link]', { timeout: 10_000 });
    await w.page.locator('.toolbar-status', { hasText: 'Link copied' }).waitFor();
    expect(await w.page.evaluate<string>('navigator.clipboard.readText()')).toBe(`${web.stack.gatewayUrl}/p/${id}`);
    expectClean(w);
  }, 30_000);

  it('shows the link selected to copy by hand where the clipboard API is missing', async () => {
    const id = await createPaste(web.stack.gatewayUrl, { content: PYTHON });
    const w = await web.newPage();
    // As on a plain-http origin: no navigator.clipboard at all.
    await w.page.addInitScript(
      "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true })",
    );
    await w.page.goto(`/p/${id}`);
    await w.page.click('[data-testid=copy-link]', { timeout: 10_000 });
    const field = w.page.locator('[data-testid=link-field]');
    await field.waitFor();
    expect(await field.inputValue()).toBe(`${web.stack.gatewayUrl}/p/${id}`);
    const selection = await w.page.evaluate<{ focused: boolean; start: number; end: number }>(
      "(() => { const f = document.querySelector('[data-testid=link-field]'); return { focused: document.activeElement === f, start: f.selectionStart, end: f.selectionEnd }; })()",
    );
    expect(selection).toEqual({ focused: true, start: 0, end: `${web.stack.gatewayUrl}/p/${id}`.length });
    expect(await w.page.locator('.toolbar-status').textContent()).toContain('Copy this link');
    expectClean(w);
  }, 30_000);

  it('links Raw and Copy link to the version shown (?v=1), and to the latest without ?v', async () => {
    const user = await registerUser(web.stack.gatewayUrl, 'versions');
    const id = await createPaste(web.stack.gatewayUrl, { content: 'version one text\n' }, user.accessToken);
    await gql(
      web.stack.gatewayUrl,
      'mutation($input: UpdatePasteInput!) { updatePaste(input: $input) { id } }',
      { input: { id, content: 'version two text\n' } },
      user.accessToken,
    );
    const w = await web.newPage();
    await w.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.stack.gatewayUrl });

    await w.page.goto(`/p/${id}?v=1`);
    await w.page.locator('[data-testid=paste-content]', { hasText: 'version one text' }).waitFor();
    expect(await w.page.getAttribute('[data-testid=raw]', 'href')).toBe(`/raw/${id}?v=1`);
    await w.page.click('[data-testid=copy-link]', { timeout: 10_000 });
    await w.page.locator('.toolbar-status', { hasText: 'Link copied' }).waitFor();
    expect(await w.page.evaluate<string>('navigator.clipboard.readText()')).toBe(`${web.stack.gatewayUrl}/p/${id}?v=1`);

    await w.page.goto(`/p/${id}`);
    await w.page.locator('[data-testid=paste-content]', { hasText: 'version two text' }).waitFor();
    expect(await w.page.getAttribute('[data-testid=raw]', 'href')).toBe(`/raw/${id}`);

    // The gateway's /raw/:id?v=N is new: once it answers by version (a missing one is 404), version 1 must be version 1's text.
    const versioned = (await fetch(`${web.stack.gatewayUrl}/raw/${id}?v=99`)).status === 404;
    if (versioned)
      expect(await (await fetch(`${web.stack.gatewayUrl}/raw/${id}?v=1`)).text()).toBe('version one text\n');
    expectClean(w);
  }, 30_000);
});
