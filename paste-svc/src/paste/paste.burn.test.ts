import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { Expiry, Visibility, type Paste } from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';

/** What a concealed paste looks like: no content, size or hash. */
const CONCEALED = { burnAfterRead: true, contentConcealed: true, contentIncluded: false, sizeBytes: 0n, sha256: '' };

describe.each(STORAGE_MODES)('burn-after-read (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_burn');
    [alice, bob] = await Promise.all([h.issuer.sign('alice'), h.issuer.sign('bob')]);
  });
  afterAll(async () => {
    await h.close();
  });

  const stored = async (id: string) =>
    (await (await h.db()).selectFrom('pastes').select('id').where('id', '=', id).execute()).length;

  it('conceals a burn-after-read paste from GetPaste and BatchGetPastes however often they read it, and deletes nothing', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('still here'), burnAfterRead: true });
    const id = paste!.id;
    for (let i = 0; i < 10; i++) {
      const reads: (Paste | undefined)[] = [
        (await h.client.getPaste({ id })).paste,
        (await h.client.getPaste({ id, version: 1 })).paste,
        (await h.client.getPaste({ id, withoutContent: true })).paste,
        ...(await h.client.batchGetPastes({ ids: [id], withContent: true })).pastes,
        ...(await h.client.batchGetPastes({ ids: [id] })).pastes,
      ];
      expect(reads).toHaveLength(5);
      for (const read of reads) {
        expect(read).toMatchObject({ id, version: 1, latestVersion: 1, ...CONCEALED });
        expect(read?.content).toHaveLength(0);
      }
    }
    expect(await stored(id)).toBe(1);
    expect(h.events.filter((e) => e.pasteId === id).map((e) => e.kind)).toEqual([PasteEventKind.CREATED]);
    expect(text((await h.client.revealPaste({ id })).paste?.content)).toBe('still here');
  });

  it('shows size and hash to the author in CreatePaste, and conceals them in UpdatePaste, ListPastes and ListPasteVersions', async () => {
    const content = bytes(`listed ${Math.random()}`);
    const { paste } = await h.client.createPaste({ content, burnAfterRead: true }, h.as(alice));
    expect(paste).toMatchObject({ burnAfterRead: true, contentConcealed: false, sizeBytes: BigInt(content.length) });
    expect(paste?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const updated = await h.client.updatePaste({ id: paste!.id, content: bytes('second') }, h.as(alice));
    expect(updated.paste).toMatchObject({ version: 2, ...CONCEALED });
    const listed = (await h.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes.find(
      (p) => p.id === paste!.id,
    );
    expect(listed).toMatchObject({ version: 2, ...CONCEALED });
    const { versions } = await h.client.listPasteVersions({ id: paste!.id });
    expect(versions.map((v) => [v.version, v.sizeBytes, v.sha256])).toEqual([
      [2, 0n, ''],
      [1, 0n, ''],
    ]);
  });

  it('gives the content to exactly one of 50 concurrent revealers; the other 49 get NOT_FOUND, and so does GetPaste afterwards', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('only once'), burnAfterRead: true });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => h.client.revealPaste({ id: paste!.id })));
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.paste] : []));
    expect(winners).toHaveLength(1);
    expect(text(winners[0]?.content)).toBe('only once');
    expect(winners[0]).toMatchObject({
      contentIncluded: true,
      contentConcealed: false,
      sizeBytes: 9n,
      sha256: paste!.sha256,
    });
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [ConnectError.from(r.reason).code] : []));
    expect(codes).toEqual(Array(49).fill(Code.NotFound));
    expect((await rejection(h.client.getPaste({ id: paste!.id }))).code).toBe(Code.NotFound);
  });

  it('reveals a paste that is not burn-after-read like GetPaste, and deletes nothing', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('plain') }, h.as(alice));
    await h.client.updatePaste({ id: paste!.id, content: bytes('plain, version 2') }, h.as(alice));
    for (let i = 0; i < 3; i++) {
      const revealed = (await h.client.revealPaste({ id: paste!.id })).paste;
      expect(revealed).toMatchObject({
        version: 2,
        latestVersion: 2,
        contentIncluded: true,
        contentConcealed: false,
        sizeBytes: 16n,
      });
      expect(text(revealed?.content)).toBe('plain, version 2');
    }
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('plain, version 2');
    expect(h.events.filter((e) => e.pasteId === paste!.id && e.kind === PasteEventKind.DELETED)).toEqual([]);
  });

  it("answers RevealPaste NOT_FOUND for someone else's PRIVATE paste and PASTE_EXPIRED for an expired one, burning neither", async () => {
    const secret = await h.client.createPaste(
      { content: bytes('mine'), burnAfterRead: true, visibility: Visibility.PRIVATE },
      h.as(alice),
    );
    for (const token of [undefined, bob]) {
      const err = await rejection(h.client.revealPaste({ id: secret.paste!.id }, h.as(token)));
      expect([err.code, errorDetail(err)?.reason]).toEqual([Code.NotFound, 'PASTE_NOT_FOUND']);
    }
    expect(await stored(secret.paste!.id)).toBe(1);
    const short = await h.client.createPaste({
      content: bytes('brief'),
      burnAfterRead: true,
      expiry: Expiry.TEN_MINUTES,
    });
    h.clock.advance(10 * 60_000);
    const err = await rejection(h.client.revealPaste({ id: short.paste!.id }));
    expect([err.code, errorDetail(err)?.reason]).toEqual([Code.NotFound, 'PASTE_EXPIRED']);
    expect(text((await h.client.revealPaste({ id: secret.paste!.id }, h.as(alice))).paste?.content)).toBe('mine');
  });

  it('leaves nothing behind after the reveal: no paste, no version, no content', async () => {
    const content = bytes(`burn ${Math.random()}`);
    const { paste } = await h.client.createPaste({ content, burnAfterRead: true, visibility: Visibility.UNLISTED });
    const id = paste!.id;
    await h.client.revealPaste({ id });
    for (const call of [
      h.client.getPaste({ id }),
      h.client.getPaste({ id, withoutContent: true }),
      h.client.revealPaste({ id }),
      h.client.listPasteVersions({ id }),
    ]) {
      expect((await rejection(call)).code).toBe(Code.NotFound);
    }
    const db = await h.db();
    expect(
      await db.selectFrom('paste_contents').select('sha256').where('sha256', '=', paste!.sha256).execute(),
    ).toEqual([]);
    expect(await db.selectFrom('paste_versions').select('version').where('paste_id', '=', id).execute()).toEqual([]);
    expect(h.events.filter((e) => e.pasteId === id).map((e) => e.kind)).toEqual([
      PasteEventKind.CREATED,
      PasteEventKind.DELETED,
    ]);
  });

  it('never caches a burn-after-read paste', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('uncached'), burnAfterRead: true });
    const loads = await h.sample('paste_cache_loads_total');
    await h.client.getPaste({ id: paste!.id });
    await h.client.getPaste({ id: paste!.id, withoutContent: true });
    expect(await h.sample('paste_cache_loads_total')).toBe(loads + 2);
  });

  it('keeps the content of another paste that shares it', async () => {
    const content = bytes(`shared burn ${Math.random()}`);
    const keep = await h.client.createPaste({ content });
    const burn = await h.client.createPaste({ content, burnAfterRead: true });
    await h.client.revealPaste({ id: burn.paste!.id });
    expect(text((await h.client.getPaste({ id: keep.paste!.id })).paste?.content)).toBe(text(content));
  });
});
