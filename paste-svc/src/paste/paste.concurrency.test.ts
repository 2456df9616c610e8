import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, startPasteHarness, type PasteHarness } from '../testing/paste-harness.js';

describe.each(STORAGE_MODES)('concurrent writes (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_race');
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  it('numbers concurrent updates of one paste without gaps or duplicates', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('v1') }, h.as(alice));
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        h.client.updatePaste({ id: paste!.id, content: bytes(`v${i + 2}`) }, h.as(alice)),
      ),
    );
    expect(results.map((r) => r.paste!.version).sort()).toEqual([2, 3, 4, 5]);
    const { versions } = await h.client.listPasteVersions({ id: paste!.id });
    expect(versions.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
  });

  it('keeps shared content counted right while pastes using it are created and deleted at once', async () => {
    const content = bytes(`contended ${Math.random()}`);
    const first = await Promise.all(Array.from({ length: 10 }, () => h.client.createPaste({ content }, h.as(alice))));
    // Delete those while ten more pastes with the same content are being created.
    await Promise.all([
      ...first.map((r) => h.client.deletePaste({ id: r.paste!.id }, h.as(alice))),
      ...Array.from({ length: 10 }, () => h.client.createPaste({ content }, h.as(alice))),
    ]);
    const db = await h.db();
    const sha = first[0]!.paste!.sha256;
    const stored = await db.selectFrom('paste_contents').select('refs').where('sha256', '=', sha).executeTakeFirst();
    const users = await db
      .selectFrom('paste_versions')
      .select(sql<number>`count(*)`.as('n'))
      .where('sha256', '=', sha)
      .executeTakeFirstOrThrow();
    expect(Number(users.n)).toBe(10);
    expect(stored?.refs).toBe(10);
  });
});
