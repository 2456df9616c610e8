import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, startPasteHarness, type PasteHarness } from '../testing/paste-harness.js';

describe.each(STORAGE_MODES)('BatchListPasteVersions (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_batchver');
    [alice, bob] = await Promise.all([h.issuer.sign('alice'), h.issuer.sign('bob')]);
  });
  afterAll(async () => {
    await h.close();
  });

  /** Every SQL statement paste-svc has run (kysely's log hook feeds db_query_duration_seconds). */
  const queries = () => h.sample('db_query_duration_seconds_count');

  it('lists the versions of several pastes, newest first, leaving out hidden, expired, missing and malformed ids', async () => {
    const two = await h.client.createPaste({ content: bytes('v1'), title: 'first' }, h.as(alice));
    await h.client.updatePaste({ id: two.paste!.id, content: bytes('version 2'), title: 'second' }, h.as(alice));
    const one = await h.client.createPaste({ content: bytes('one'), visibility: Visibility.UNLISTED });
    const secret = await h.client.createPaste(
      { content: bytes('secret'), visibility: Visibility.PRIVATE },
      h.as(alice),
    );
    const expiring = await h.client.createPaste({ content: bytes('brief'), expiry: Expiry.TEN_MINUTES });
    h.clock.advance(10 * 60_000);
    const ids = [
      two.paste!.id,
      one.paste!.id,
      secret.paste!.id,
      expiring.paste!.id,
      two.paste!.id,
      'Zzzzzzzzzzz',
      'bad id',
    ];

    const { pastes } = await h.client.batchListPasteVersions({ ids }, h.as(bob));
    const byId = new Map(
      pastes.map((p) => [p.pasteId, p.versions.map((v) => [v.version, v.title, Number(v.sizeBytes)])]),
    );
    expect([...byId.keys()].sort()).toEqual([two.paste!.id, one.paste!.id].sort());
    expect(pastes).toHaveLength(2);
    expect(byId.get(two.paste!.id)).toEqual([
      [2, 'second', 9],
      [1, 'first', 2],
    ]);
    expect(byId.get(one.paste!.id)).toEqual([[1, '', 3]]);
    expect(pastes.find((p) => p.pasteId === one.paste!.id)?.versions[0]?.sha256).toBe(one.paste!.sha256);

    const own = await h.client.batchListPasteVersions({ ids }, h.as(alice));
    expect(own.pastes.map((p) => p.pasteId).sort()).toEqual([two.paste!.id, one.paste!.id, secret.paste!.id].sort());
  });

  it('conceals the size and hash of every version of a burn-after-read paste', async () => {
    const burn = await h.client.createPaste({ content: bytes('burn v1'), burnAfterRead: true }, h.as(alice));
    await h.client.updatePaste({ id: burn.paste!.id, content: bytes('burn v2') }, h.as(alice));
    const plain = await h.client.createPaste({ content: bytes('plain') });
    const { pastes } = await h.client.batchListPasteVersions({ ids: [burn.paste!.id, plain.paste!.id] });
    const byId = new Map(pastes.map((p) => [p.pasteId, p.versions.map((v) => [v.version, v.sizeBytes, v.sha256])]));
    expect(byId.get(burn.paste!.id)).toEqual([
      [2, 0n, ''],
      [1, 0n, ''],
    ]);
    expect(byId.get(plain.paste!.id)).toEqual([[1, 5n, plain.paste!.sha256]]);
  });

  it('reads every paste in one SQL query, however many ids it is given', async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.client.createPaste({ content: bytes(`many ${i}`) })),
    );
    const ids = created.map((c) => c.paste!.id);
    const before = await queries();
    const { pastes } = await h.client.batchListPasteVersions({ ids });
    expect(pastes).toHaveLength(20);
    expect((await queries()) - before).toBe(1);
    // And none for an empty or all-malformed list.
    await h.client.batchListPasteVersions({ ids: ['bad id'] });
    expect((await queries()) - before).toBe(1);
  });
});
