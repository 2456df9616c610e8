import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { Visibility } from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { MAX_BATCH_CREATES } from '../client/index.js';
import { newPasteId } from './paste-id.js';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';
import { startTestS3, type TestS3 } from '../testing/s3.js';

// CreatePastes: several creates of one caller in one transaction, all or none, each answered as CreatePaste
// answers it. Both storage set-ups, content in the table and in an object store (s3rver).
const cases = STORAGE_MODES.flatMap((mode) =>
  (['database', 'store'] as const).map((location) => [mode, location] as const),
);

describe.each(cases)('CreatePastes (%s, content in the %s)', (mode, location) => {
  let s3: TestS3 | undefined;
  let h: PasteHarness;
  let alice: string;
  const forced: string[] = [];
  const unique = (label: string) => `${label} ${mode} ${location} ${Math.random()}`;

  beforeAll(async () => {
    s3 = location === 'store' ? await startTestS3(`batch${mode}`) : undefined;
    h = await startPasteHarness(mode, `paste_batch_${location}`, s3?.env ?? {}, {
      newId: () => forced.shift() ?? newPasteId(),
    });
    alice = await h.issuer.sign('alice');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await s3?.cleanup();
  });

  it('stores every paste, answers them in order, and each reads back with its own content', async () => {
    const contents = [unique('first'), unique('second'), unique('third')];
    const events = h.events.length;
    const { pastes } = await h.client.createPastes({
      pastes: contents.map((c, i) => ({ content: bytes(c), title: `t${i}`, visibility: Visibility.UNLISTED })),
    });
    expect(pastes.map((p) => p.paste?.title)).toEqual(['t0', 't1', 't2']);
    expect(new Set(pastes.map((p) => p.paste?.id)).size).toBe(3);
    for (const [i, p] of pastes.entries()) {
      expect(p.deleteToken.length).toBeGreaterThanOrEqual(40);
      expect(p.paste).toMatchObject({ version: 1, ownerId: '', visibility: Visibility.UNLISTED });
      const read = await h.client.getPaste({ id: p.paste!.id });
      expect(text(read.paste?.content)).toBe(contents[i]);
    }
    expect(h.events.slice(events).map((e) => e.pasteId)).toEqual(pastes.map((p) => p.paste!.id));
    // Each delete token deletes its own paste only.
    await h.client.deletePaste({ id: pastes[0]!.paste!.id, deleteToken: pastes[0]!.deleteToken });
    expect((await rejection(h.client.getPaste({ id: pastes[0]!.paste!.id }))).code).toBe(Code.NotFound);
    expect(text((await h.client.getPaste({ id: pastes[1]!.paste!.id })).paste?.content)).toBe(contents[1]);
  });

  it('makes the caller the owner of every paste, private ones included', async () => {
    const { pastes } = await h.client.createPastes(
      {
        pastes: [
          { content: bytes(unique('mine')), visibility: Visibility.PRIVATE },
          { content: bytes(unique('mine too')) },
        ],
      },
      h.as(alice),
    );
    expect(pastes.map((p) => [p.paste?.ownerId, p.deleteToken])).toEqual([
      ['alice', ''],
      ['alice', ''],
    ]);
    expect((await rejection(h.client.getPaste({ id: pastes[0]!.paste!.id }))).code).toBe(Code.NotFound);
    expect((await h.client.getPaste({ id: pastes[0]!.paste!.id }, h.as(alice))).paste?.visibility).toBe(
      Visibility.PRIVATE,
    );
  });

  it('counts identical contents in one batch once per paste: deleting one leaves the other readable', async () => {
    const same = unique('twice');
    const { pastes } = await h.client.createPastes({ pastes: [{ content: bytes(same) }, { content: bytes(same) }] });
    expect(pastes[0]!.paste!.sha256).toBe(pastes[1]!.paste!.sha256);
    const db = await h.db();
    const refs = async () =>
      (
        await db
          .selectFrom('paste_contents')
          .select('refs')
          .where('sha256', '=', pastes[0]!.paste!.sha256)
          .executeTakeFirst()
      )?.refs;
    expect(Number(await refs())).toBe(2);
    await h.client.deletePaste({ id: pastes[0]!.paste!.id, deleteToken: pastes[0]!.deleteToken });
    expect(Number(await refs())).toBe(1);
    await h.sweepOnce();
    expect(text((await h.client.getPaste({ id: pastes[1]!.paste!.id })).paste?.content)).toBe(same);
  });

  it('stores nothing when one paste fails its checks, and names that paste and field', async () => {
    const stored = () => h.storedPastes();
    const before = await stored();
    const kept = unique('not stored');
    const err = await rejection(
      h.client.createPastes({
        pastes: [{ content: bytes(kept) }, { content: bytes(unique('ok')), title: 'x'.repeat(201) }],
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(errorDetail(err)).toMatchObject({ field: 'pastes[1].title', limit: 200n });
    expect(err.rawMessage).toMatch(/^pastes\[1\]\.title: at most 200 characters/);
    const anonymousPrivate = await rejection(
      h.client.createPastes({
        pastes: [{ content: bytes('a') }, { content: bytes('b'), visibility: Visibility.PRIVATE }],
      }),
    );
    expect(errorDetail(anonymousPrivate)?.field).toBe('pastes[1].visibility');
    const empty = await rejection(
      h.client.createPastes({ pastes: [{ content: bytes('a') }, { content: new Uint8Array() }] }),
    );
    expect(errorDetail(empty)?.field).toBe('pastes[1].content');
    expect(await stored()).toBe(before);
  });

  it('takes 1 to 100 pastes, naming the limit', async () => {
    const none = await rejection(h.client.createPastes({ pastes: [] }));
    expect(none.code).toBe(Code.InvalidArgument);
    expect(errorDetail(none)).toMatchObject({ field: 'pastes', limit: BigInt(MAX_BATCH_CREATES) });
    const many = await rejection(
      h.client.createPastes({
        pastes: Array.from({ length: MAX_BATCH_CREATES + 1 }, (_, i) => ({ content: bytes(`p${i}`) })),
      }),
    );
    expect(errorDetail(many)).toMatchObject({ field: 'pastes', limit: BigInt(MAX_BATCH_CREATES) });
    const full = await h.client.createPastes({
      pastes: Array.from({ length: MAX_BATCH_CREATES }, (_, i) => ({ content: bytes(unique(`p${i}`)) })),
    });
    expect(full.pastes).toHaveLength(MAX_BATCH_CREATES);
  });

  it('draws new ids for the whole batch when one is taken, never overwriting the paste that has it', async () => {
    const { paste: existing } = await h.client.createPaste({ content: bytes('already here') });
    forced.push(newPasteId(), existing!.id);
    const { pastes } = await h.client.createPastes({
      pastes: [{ content: bytes(unique('a')) }, { content: bytes(unique('b')) }],
    });
    expect(pastes.map((p) => p.paste?.id)).not.toContain(existing!.id);
    expect(text((await h.client.getPaste({ id: existing!.id })).paste?.content)).toBe('already here');
  });
});

describe.each(STORAGE_MODES)('CreatePastes after the content store changed back to the table (%s)', (mode) => {
  let h: PasteHarness;
  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_batch_revive');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('turns a tombstoned content row back into a live one holding the bytes (content in the table)', async () => {
    // A tombstone left by an object store this paste-svc no longer uses (CONTENT_STORE changed back to database).
    const same = `revived ${mode} ${Math.random()}`;
    const db = await h.db();
    const { pastes } = await h.client.createPastes({ pastes: [{ content: bytes(same) }] });
    const sha256 = pastes[0]!.paste!.sha256;
    await db
      .updateTable('paste_contents')
      .set({ refs: -1, content: Buffer.alloc(0), stored_in: 'store' })
      .where('sha256', '=', sha256)
      .execute();
    const again = await h.client.createPastes({
      pastes: [{ content: bytes(same) }, { content: bytes(`other ${mode} ${Math.random()}`) }],
    });
    const row = await db
      .selectFrom('paste_contents')
      .selectAll()
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    expect({ refs: Number(row.refs), stored_in: row.stored_in, content: Buffer.from(row.content).toString() }).toEqual({
      refs: 1,
      stored_in: 'database',
      content: same,
    });
    expect(text((await h.client.getPaste({ id: again.pastes[0]!.paste!.id })).paste?.content)).toBe(same);
  });
});
