import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { Visibility } from '@pastemesh/gen/paste';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';

describe.each(STORAGE_MODES)('burn-after-read (%s)', (mode) => {
  let h: PasteHarness;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_burn');
  });
  afterAll(async () => {
    await h.close();
  });

  it('gives the content to exactly one of 50 concurrent readers; the other 49 get NOT_FOUND', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('only once'), burnAfterRead: true });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => h.client.getPaste({ id: paste!.id })));
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    expect(text((winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof h.client.getPaste>>>).value.paste?.content)).toBe('only once');
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [ConnectError.from(r.reason).code] : []));
    expect(codes).toEqual(Array(49).fill(Code.NotFound));
  });

  it('never burns on a metadata-only read', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('still here'), burnAfterRead: true });
    for (let i = 0; i < 3; i++) {
      const meta = await h.client.getPaste({ id: paste!.id, withoutContent: true });
      expect(meta.paste).toMatchObject({ burnAfterRead: true, contentIncluded: false });
    }
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('still here');
  });

  it('leaves nothing behind after the burn: no paste, no version, no content', async () => {
    const content = bytes(`burn ${Math.random()}`);
    const { paste } = await h.client.createPaste({ content, burnAfterRead: true, visibility: Visibility.UNLISTED });
    const id = paste!.id;
    await h.client.getPaste({ id });
    for (const call of [h.client.getPaste({ id }), h.client.getPaste({ id, withoutContent: true }), h.client.listPasteVersions({ id })]) {
      expect((await rejection(call)).code).toBe(Code.NotFound);
    }
    const db = await h.db();
    expect(await db.selectFrom('paste_contents').select('sha256').where('sha256', '=', paste!.sha256).execute()).toEqual([]);
    expect(await db.selectFrom('paste_versions').select('version').where('paste_id', '=', id).execute()).toEqual([]);
    expect(h.events.filter((e) => e.pasteId === id).map((e) => e.kind)).toEqual([PasteEventKind.CREATED, PasteEventKind.DELETED]);
  });

  it('never caches a burn-after-read paste', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('uncached'), burnAfterRead: true });
    const loads = await h.sample('paste_cache_loads_total');
    await h.client.getPaste({ id: paste!.id, withoutContent: true });
    await h.client.getPaste({ id: paste!.id, withoutContent: true });
    expect(await h.sample('paste_cache_loads_total')).toBe(loads + 2);
  });

  it('keeps the content of another paste that shares it', async () => {
    const content = bytes(`shared burn ${Math.random()}`);
    const keep = await h.client.createPaste({ content });
    const burn = await h.client.createPaste({ content, burnAfterRead: true });
    await h.client.getPaste({ id: burn.paste!.id });
    expect(text((await h.client.getPaste({ id: keep.paste!.id })).paste?.content)).toBe(text(content));
  });
});
