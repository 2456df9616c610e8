// The paste page (/p/ID) in headless Chromium: the language it names and what Download gives.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectClean } from './browser-steps.js';
import { createPaste } from './graphql.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const PYTHON = 'def greet(name):\n    """Say hello."""\n    return f"hello {name}"\n\nprint(greet("mesh"))\n';
const MARKDOWN = '# Release notes\n\nSome *emphasis* and a [link](https://example.com).\n\n## Changes\n\n- first item\n- second item\n\n```\ncode\n```\n';
const JSON_TEXT = '{\n  "name": "pastemesh",\n  "version": 1,\n  "private": true,\n  "tags": ["grpc", "graphql"],\n  "owner": null\n}\n';
const TYPESCRIPT = 'interface User {\n  id: string;\n  name?: string;\n}\n\nexport function greet(user: User): string {\n  return `hello ${user.name ?? user.id}`;\n}\n';
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
  ])('names the language (declared %s) "%s" and downloads the paste as .%s', async (language, label, ext, content) => {
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
  }, 30_000);
});
