// What browsers and CDNs may keep of /raw/:id and /raw/:id?v=N, for how long, and how they revalidate it
// (gateway/README.md, "Caching by CDNs and browsers").
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gqlOk, signUp, type Account } from '../support/graphql.js';

const YEAR = 31_536_000;
const CURL = 'curl/8.5.0';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** An HTTP-date, as Last-Modified carries it (whole seconds). */
const httpDate = (iso: string) => new Date(iso).toUTCString();
/** The headers that say what may be cached and how to revalidate it. */
const CACHE_HEADERS = ['cache-control', 'etag', 'last-modified', 'surrogate-key', 'cache-tag', 'content-location'];
const cacheHeaders = (res: Response) => Object.fromEntries(CACHE_HEADERS.map((h) => [h, res.headers.get(h)]));

describe.each(STORAGE_MODES)('raw pastes for browsers and CDNs (%s)', (mode) => {
  let stack: Stack;
  let url: string;
  let author: Account;
  beforeAll(async () => {
    stack = await startStack({ mode, ports: 'random', env: { LOG_LEVEL: 'error' } });
    url = stack.gatewayUrl;
    author = await signUp(url, 'raw-cache');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** POST / as curl; the id and the delete token of an anonymous paste. */
  async function post(content: string, query = '', token?: string): Promise<{ id: string; deleteToken: string }> {
    const headers: Record<string, string> = { 'user-agent': CURL };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(`${url}/${query}`, { method: 'POST', body: content, headers });
    expect(res.status).toBe(201);
    return { id: (await res.text()).trim().split('/').pop()!, deleteToken: res.headers.get('x-delete-token') ?? '' };
  }

  function raw(path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(`${url}/raw/${path}`, {
      method: init.method ?? 'GET',
      headers: { 'user-agent': CURL, ...init.headers },
    });
  }

  const times = async (id: string, token?: string) =>
    (
      await gqlOk(
        url,
        'query($id: ID!) { paste(id: $id) { createdAt updatedAt versions { version createdAt } } }',
        { id },
        token,
      )
    )['paste'] as { createdAt: string; updatedAt: string; versions: { version: number; createdAt: string }[] };

  it('lets every cache keep a public version for a year, immutable, validated by its hash and creation time, tagged for purging', async () => {
    const { id } = await post('version one', '?expiry=never');
    const res = await raw(`${id}?v=1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('version one');
    expect(cacheHeaders(res)).toEqual({
      'cache-control': `public, max-age=${YEAR}, immutable`,
      etag: `"${sha256('version one')}"`,
      'last-modified': httpDate((await times(id)).createdAt),
      'surrogate-key': `paste-${id}`,
      'cache-tag': `paste-${id}`,
      'content-location': null,
    });
    expect(res.headers.get('vary')).toBeNull();
  });

  it('lets caches keep the latest URL for a minute, and shows a new version there while old versions keep theirs', async () => {
    const id = (await post('first', '?expiry=never', author.accessToken)).id;
    for (const content of ['second', 'third'])
      await gqlOk(
        url,
        'mutation($id: ID!, $c: String!) { updatePaste(input: { id: $id, content: $c }) { version } }',
        { id, c: content },
        author.accessToken,
      );
    const t = await times(id);
    const createdOf = (v: number) => httpDate(t.versions.find((x) => x.version === v)!.createdAt);
    const latest = await raw(id);
    expect(await latest.text()).toBe('third');
    expect(cacheHeaders(latest)).toEqual({
      'cache-control': 'public, max-age=60',
      etag: `"${sha256('third')}"`,
      'last-modified': httpDate(t.updatedAt),
      'surrogate-key': `paste-${id}`,
      'cache-tag': `paste-${id}`,
      'content-location': null,
    });
    // Version 2 is neither the first nor the latest: its time comes from the version list.
    for (const [v, content] of [
      [1, 'first'],
      [2, 'second'],
      [3, 'third'],
    ] as const) {
      const res = await raw(`${id}?v=${v}`);
      expect(await res.text()).toBe(content);
      expect(res.headers.get('cache-control')).toBe(`public, max-age=${YEAR}, immutable`);
      expect(res.headers.get('etag')).toBe(`"${sha256(content)}"`);
      expect(res.headers.get('last-modified')).toBe(createdOf(v));
    }
  });

  it('never lets a cache keep a paste past its expiry', async () => {
    const { id } = await post('expires soon', '?expiry=10m');
    const maxAge = (res: Response) => Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    const version = await raw(`${id}?v=1`);
    expect(version.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
    expect(maxAge(version)).toBeLessThanOrEqual(600);
    expect(maxAge(version)).toBeGreaterThan(570);
    expect((await raw(id)).headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('keeps unlisted pastes in the reader’s browser only, never in a shared cache', async () => {
    const { id } = await post('by link only', '?visibility=unlisted&expiry=never');
    const version = await raw(`${id}?v=1`);
    expect(cacheHeaders(version)).toMatchObject({
      'cache-control': `private, max-age=${YEAR}, immutable`,
      etag: `"${sha256('by link only')}"`,
      'surrogate-key': null,
      'cache-tag': null,
    });
    expect((await raw(id)).headers.get('cache-control')).toBe('private, max-age=60');
  });

  it('keeps a private paste out of every cache, and answers others 404 that nobody keeps', async () => {
    const { id } = await post('owner only', '?visibility=private', author.accessToken);
    const bearer = { authorization: `Bearer ${author.accessToken}` };
    for (const path of [id, `${id}?v=1`]) {
      const own = await raw(path, { headers: bearer });
      expect(own.status).toBe(200);
      expect(cacheHeaders(own)).toMatchObject({ 'cache-control': 'private, no-store', 'surrogate-key': null });
      const stranger = await raw(path);
      expect(stranger.status).toBe(404);
      expect(cacheHeaders(stranger)).toMatchObject({ 'cache-control': 'no-store', etag: null, 'surrogate-key': null });
    }
  });

  it('keeps a public paste asked for with credentials out of shared caches', async () => {
    const { id } = await post('public, read signed in', '?expiry=never', author.accessToken);
    const bearer = { authorization: `Bearer ${author.accessToken}` };
    expect(cacheHeaders(await raw(`${id}?v=1`, { headers: bearer }))).toMatchObject({
      'cache-control': `private, max-age=${YEAR}, immutable`,
      'surrogate-key': null,
      'cache-tag': null,
    });
    expect((await raw(id, { headers: bearer })).headers.get('cache-control')).toBe('private, max-age=60');
  });

  it('lets nobody keep or revalidate a burn-after-read paste, before or at its reveal', async () => {
    const { id } = await post('read once', '?burn=1');
    for (const path of [id, `${id}?v=1`]) {
      const head = await raw(path, { method: 'HEAD', headers: { 'if-none-match': '*' } });
      expect(head.status).toBe(200);
      expect(cacheHeaders(head)).toMatchObject({
        'cache-control': 'private, no-store',
        etag: null,
        'last-modified': null,
        'surrogate-key': null,
      });
    }
    const reveal = await raw(id, { headers: { 'if-none-match': '*' } });
    expect(reveal.status).toBe(200);
    expect(await reveal.text()).toBe('read once');
    expect(cacheHeaders(reveal)).toMatchObject({
      'cache-control': 'private, no-store',
      etag: null,
      'last-modified': null,
      'surrogate-key': null,
    });
  });

  it('answers a deleted paste 404 that nobody keeps, at its latest URL and its versions', async () => {
    const { id, deleteToken } = await post('to be deleted', '?expiry=never');
    expect((await raw(id)).status).toBe(200);
    expect((await raw(`${id}?v=1`)).status).toBe(200);
    await gqlOk(url, 'mutation($id: ID!, $t: String) { deletePaste(id: $id, deleteToken: $t) }', {
      id,
      t: deleteToken,
    });
    for (const path of [id, `${id}?v=1`]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await raw(path, { method });
        expect([path, method, res.status]).toEqual([path, method, 404]);
        expect(cacheHeaders(res)).toMatchObject({ 'cache-control': 'no-store', etag: null, 'surrogate-key': null });
      }
    }
  });

  it('answers If-None-Match and If-Modified-Since with 304, no body and the 200’s cache headers, on GET and HEAD', async () => {
    const content = 'conditional';
    const { id } = await post(content, '?expiry=never');
    for (const path of [id, `${id}?v=1`]) {
      const full = await raw(path);
      const etag = full.headers.get('etag')!;
      const lastModified = full.headers.get('last-modified')!;
      const earlier = new Date(new Date(lastModified).getTime() - 1000).toUTCString();
      const cases: [Record<string, string>, number][] = [
        [{ 'if-none-match': etag }, 304],
        [{ 'if-none-match': `W/${etag}` }, 304],
        [{ 'if-none-match': `"other", ${etag}` }, 304],
        [{ 'if-none-match': '*' }, 304],
        [{ 'if-none-match': '"other"' }, 200],
        [{ 'if-modified-since': lastModified }, 304],
        [{ 'if-modified-since': new Date().toUTCString() }, 304],
        [{ 'if-modified-since': earlier }, 200],
        // If-None-Match decides alone when both are sent.
        [{ 'if-none-match': '"other"', 'if-modified-since': lastModified }, 200],
      ];
      for (const method of ['GET', 'HEAD']) {
        for (const [headers, status] of cases) {
          const res = await raw(path, { method, headers });
          const body = await res.text();
          expect([path, method, headers, res.status]).toEqual([path, method, headers, status]);
          expect(body).toBe(status === 200 && method === 'GET' ? content : '');
          expect(cacheHeaders(res)).toEqual(cacheHeaders(full));
        }
      }
    }
  });

  it('answers HEAD with the headers GET sends, and no body', async () => {
    const { id } = await post('head and get agree', '?expiry=never');
    for (const path of [id, `${id}?v=1`]) {
      const get = await raw(path);
      const head = await raw(path, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const headers = [...CACHE_HEADERS, 'content-type', 'content-length', 'content-security-policy'];
      const pick = (res: Response) => headers.map((h) => [h, res.headers.get(h)]);
      expect(pick(head)).toEqual(pick(get));
    }
  });

  it('ignores a garbage or huge conditional header instead of failing', async () => {
    const { id } = await post('robust', '?expiry=never');
    const tag = `"${sha256('robust')}"`;
    const many = Array.from({ length: 1500 }, (_, i) => `"${i}"`).join(', ');
    const cases: [Record<string, string>, number][] = [
      [{ 'if-none-match': 'garbage' }, 200],
      [{ 'if-none-match': '' }, 200],
      [{ 'if-none-match': `"${'"'.repeat(9000)}` }, 200],
      [{ 'if-none-match': `${'W/'.repeat(4000)}` }, 200],
      [{ 'if-none-match': many }, 200],
      [{ 'if-none-match': `${many}, ${tag}` }, 304],
      [{ 'if-modified-since': 'yesterday' }, 200],
      [{ 'if-modified-since': 'Sun, 99 Foo 1994 99:99:99 GMT' }, 200],
      [{ 'if-modified-since': 'Fri, 31 Dec 9999 23:59:59 GMT' }, 200],
      [{ 'if-modified-since': 'x'.repeat(9000) }, 200],
    ];
    for (const path of [id, `${id}?v=1`]) {
      for (const [headers, status] of cases) {
        const res = await raw(path, { headers });
        await res.text();
        expect([path, Object.values(headers)[0]!.slice(0, 40), res.status]).toEqual([
          path,
          Object.values(headers)[0]!.slice(0, 40),
          status,
        ]);
      }
    }
    // Past Node's 16 KiB of headers the request is refused before any route: a client error, never a 5xx.
    const tooBig = await raw(id, { headers: { 'if-none-match': `"${'a'.repeat(20_000)}"` } });
    expect(tooBig.status).toBe(431);
  });
});
