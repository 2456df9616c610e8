import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';
import { startTestS3, type TestS3 } from '../testing/s3.js';
import { contentKey, createContentStore, parseContentStore, type ContentStore } from './content-store.js';

// paste-svc with its content in an S3-protocol store (s3rver started here, or the endpoint AWS_ENDPOINT_URL_S3
// names), on MySQL + Redis and on SQLite: where bytes go, what an outage does, and what the sweeper removes.

const GRACE_MS = 60_000;

describe.each(STORAGE_MODES)('content in an object store (%s)', (mode) => {
  let s3: TestS3;
  let h: PasteHarness;
  let store: ContentStore;

  beforeAll(async () => {
    s3 = await startTestS3(`objects${mode}`);
    h = await startPasteHarness(mode, 'paste_objects', {
      ...s3.env,
      ORPHAN_GRACE_MS: String(GRACE_MS),
      ORPHAN_SCAN_INTERVAL_MS: '1',
    });
    store = createContentStore(parseContentStore(s3.env['CONTENT_STORE']!), {
      ...s3.env,
      S3_FORCE_PATH_STYLE: s3.env['S3_FORCE_PATH_STYLE'] === 'true',
    })!;
  }, 60_000);
  afterAll(async () => {
    store?.close();
    await h?.close();
    await s3?.cleanup();
  });

  const row = async (sha256: string) =>
    (await h.db())
      .selectFrom('paste_contents')
      .select(['refs', 'stored_in', 'size_bytes', (eb) => eb.fn('length', ['content']).as('bytes')])
      .where('sha256', '=', sha256)
      .executeTakeFirst();

  it('writes the bytes once to the store under their SHA-256 and keeps only metadata in the table', async () => {
    const content = `in the store ${mode} ${Math.random()}`;
    const key = contentKey(Buffer.from(content));
    const [a, b] = await Promise.all([
      h.client.createPaste({ content: bytes(content) }),
      h.client.createPaste({ content: bytes(content) }),
    ]);
    expect(text(await store.get(key))).toBe(content);
    expect(await row(key)).toMatchObject({ refs: 2, stored_in: 'store', bytes: 0 });
    for (const id of [a.paste!.id, b.paste!.id]) {
      expect(text((await h.client.getPaste({ id })).paste?.content)).toBe(content);
      const [batch] = (await h.client.batchGetPastes({ ids: [id], withContent: true })).pastes;
      expect(text(batch?.content)).toBe(content);
    }
  });

  it('counts every one of many creates of the same bytes at once, none refused', async () => {
    const content = `popular ${mode} ${Math.random()}`;
    const key = contentKey(Buffer.from(content));
    // One first, so the others all find the row and queue on its lock.
    await h.client.createPaste({ content: bytes(content) });
    const created = await Promise.all(
      Array.from({ length: 12 }, () => h.client.createPaste({ content: bytes(content) })),
    );
    expect(new Set(created.map((c) => c.paste!.id)).size).toBe(12);
    expect(await row(key)).toMatchObject({ refs: 13, stored_in: 'store', bytes: 0 });
  });

  it('keeps every version’s content, and reveals a burn-after-read paste from the store', async () => {
    const token = await h.issuer.sign('versions');
    const { paste } = await h.client.createPaste({ content: bytes('v1 text') }, h.as(token));
    await h.client.updatePaste({ id: paste!.id, content: bytes('v2 text') }, h.as(token));
    expect(text((await h.client.getPaste({ id: paste!.id, version: 1 })).paste?.content)).toBe('v1 text');
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('v2 text');
    const burn = await h.client.createPaste({ content: bytes('read me once'), burnAfterRead: true });
    expect(text((await h.client.revealPaste({ id: burn.paste!.id })).paste?.content)).toBe('read me once');
    expect((await rejection(h.client.revealPaste({ id: burn.paste!.id }))).code).toBe(Code.NotFound);
  });

  it('while the store is down: creates fail UNAVAILABLE with nothing written, cached reads still answer', async () => {
    const cached = await h.client.createPaste({ content: bytes(`cached ${mode}`) });
    const cold = await h.client.createPaste({ content: bytes(`cold ${mode} ${Math.random()}`) });
    await h.client.getPaste({ id: cached.paste!.id }); // now in the cache
    const pastesBefore = await countRows('pastes');
    const contentsBefore = await countRows('paste_contents');
    await s3.stop();
    try {
      const refused = await rejection(h.client.createPaste({ content: bytes('during the outage') }));
      expect(refused.code).toBe(Code.Unavailable);
      expect(refused.rawMessage).toMatch(/content store is unavailable/);
      expect(await countRows('pastes')).toBe(pastesBefore);
      expect(await countRows('paste_contents')).toBe(contentsBefore);
      expect(text((await h.client.getPaste({ id: cached.paste!.id })).paste?.content)).toBe(`cached ${mode}`);
      // Never read, so not in the cache: its content must come from the store.
      expect((await rejection(h.client.getPaste({ id: cold.paste!.id }))).code).toBe(Code.Unavailable);
    } finally {
      await s3.start();
    }
    expect((await h.client.getPaste({ id: cold.paste!.id })).paste?.id).toBe(cold.paste!.id);
  });

  it('deletes an object a grace period after its last paste went, and never one a paste still uses', async () => {
    const token = await h.issuer.sign('sweeper');
    const shared = `shared ${mode} ${Math.random()}`;
    const alone = `alone ${mode} ${Math.random()}`;
    const [k1, k2] = [contentKey(Buffer.from(shared)), contentKey(Buffer.from(alone))];
    const p1 = await h.client.createPaste({ content: bytes(shared) }, h.as(token));
    const p2 = await h.client.createPaste({ content: bytes(shared) }, h.as(token));
    const p3 = await h.client.createPaste({ content: bytes(alone) }, h.as(token));
    await h.client.deletePaste({ id: p1.paste!.id }, h.as(token));
    await h.client.deletePaste({ id: p3.paste!.id }, h.as(token));
    expect(await row(k2)).toMatchObject({ refs: 0, stored_in: 'store' });
    await h.sweepOnce();
    expect(text(await store.get(k2))).toBe(alone); // within the grace period
    h.clock.advance(GRACE_MS + 1);
    await h.sweepOnce();
    expect(await store.get(k2)).toBeUndefined();
    expect(await row(k2)).toMatchObject({ refs: -1 });
    expect(text(await store.get(k1))).toBe(shared);
    expect(text((await h.client.getPaste({ id: p2.paste!.id })).paste?.content)).toBe(shared);
    // The same bytes pasted again after their object went: written anew, readable.
    const again = await h.client.createPaste({ content: bytes(alone) });
    expect(text(await store.get(k2))).toBe(alone);
    expect(await row(k2)).toMatchObject({ refs: 1 });
    expect(text((await h.client.getPaste({ id: again.paste!.id })).paste?.content)).toBe(alone);
    h.clock.advance(GRACE_MS + 1);
    await h.sweepOnce();
    expect(await row(k2)).toMatchObject({ refs: 1 });
  });

  it('stores a batch whose content met a tombstone: the object written anew, every paste readable', async () => {
    const token = await h.issuer.sign('sweeper');
    const gone = `gone ${mode} ${Math.random()}`;
    const key = contentKey(Buffer.from(gone));
    const first = await h.client.createPaste({ content: bytes(gone) }, h.as(token));
    await h.client.deletePaste({ id: first.paste!.id }, h.as(token));
    h.clock.advance(GRACE_MS + 1);
    await h.sweepOnce();
    expect(await row(key)).toMatchObject({ refs: -1 });
    const other = `beside it ${mode} ${Math.random()}`;
    const { pastes } = await h.client.createPastes({ pastes: [{ content: bytes(gone) }, { content: bytes(other) }] });
    expect(await row(key)).toMatchObject({ refs: 1 });
    expect(text(await store.get(key))).toBe(gone);
    expect(text((await h.client.getPaste({ id: pastes[0]!.paste!.id })).paste?.content)).toBe(gone);
    expect(text((await h.client.getPaste({ id: pastes[1]!.paste!.id })).paste?.content)).toBe(other);
  });

  it('removes an object no row knows (a create whose transaction failed) after the grace period', async () => {
    const orphan = Buffer.from(`orphan ${mode} ${Math.random()}`);
    const key = contentKey(orphan);
    await store.put(key, orphan);
    await h.sweepOnce();
    expect(await row(key)).toMatchObject({ refs: 0, stored_in: 'store' });
    expect(await store.get(key)).toEqual(orphan);
    h.clock.advance(GRACE_MS + 1);
    await h.sweepOnce();
    expect(await store.get(key)).toBeUndefined();
    h.clock.advance(GRACE_MS + 1);
    await h.sweepOnce();
    expect(await row(key)).toBeUndefined();
  });

  async function countRows(table: 'pastes' | 'paste_contents'): Promise<number> {
    const r = await (await h.db())
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
});
