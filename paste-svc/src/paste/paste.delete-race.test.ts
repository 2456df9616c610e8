import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { sql, type Kysely, type Transaction } from 'kysely';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { withBearer } from '@pastemesh/kit/rpc';
import { STORAGE_MODES, eventually } from '@pastemesh/kit/testing';
import type { PasteDatabase } from '../database.js';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';

/** Holds the row locks `lock` takes, in a transaction of its own, until the returned release() commits it. */
async function holdLocks(
  db: Kysely<PasteDatabase>,
  lock: (trx: Transaction<PasteDatabase>) => Promise<unknown>,
): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = db.transaction().execute(async (trx) => {
    await lock(trx);
    locked();
    await released;
  });
  await Promise.race([isLocked, done]);
  return async () => {
    release();
    await done;
  };
}

/** The statements of this database's sessions that are waiting for a row lock (MySQL). */
async function lockWaits(db: Kysely<PasteDatabase>): Promise<string[]> {
  const { rows } = await sql<{ query: string | null }>`
    select t.trx_query as query from information_schema.innodb_trx t
    join information_schema.processlist p on p.id = t.trx_mysql_thread_id
    where t.trx_state = 'LOCK WAIT' and p.db = database()`.execute(db);
  return rows.map((r) => (r.query ?? '').trim().toLowerCase());
}

/** Polls lockWaits until `done` holds; slowly, since MariaDB refreshes its lock tables only when left unread for 0.1 s. */
async function waitUntil(db: Kysely<PasteDatabase>, done: (waits: string[]) => boolean): Promise<void> {
  await eventually(async () => done(await lockWaits(db)), 10_000, 250);
}

/** Every version key a reader could have cached: latest and 1 to `versions`. */
async function expectGoneAtEveryVersion(h: PasteHarness, id: string, versions: number): Promise<void> {
  for (let version = 0; version <= versions; version++) {
    const err = await rejection(h.client.getPaste({ id, version }));
    expect([version, err.code]).toEqual([version, Code.NotFound]);
  }
}

describe.each(STORAGE_MODES)('deleting a paste while it is updated (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_delrace', { CACHE_MAX_TTL_MS: '300000' });
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  it('leaves no version cached and reports the deleted paste as it last was, whichever commits first', async () => {
    for (let round = 0; round < 8; round++) {
      const { paste } = await h.client.createPaste(
        { content: bytes(`v1 ${round}`), language: 'markdown' },
        h.as(alice),
      );
      const id = paste!.id;
      await h.client.getPaste({ id });
      let settled = false;
      const update = h.client.updatePaste(
        { id, content: bytes(`v2 ${round} longer`), language: 'python' },
        h.as(alice),
      );
      const del = h.client.deletePaste({ id }, h.as(alice));
      // Readers keep filling the cache with whatever is committed while the two race.
      const readers = (async () => {
        while (!settled)
          await Promise.allSettled([
            h.client.getPaste({ id }),
            h.client.getPaste({ id, version: 2 }),
            h.client.getPaste({ id, version: 1 }),
          ]);
      })();
      const [updated] = await Promise.allSettled([update, del]).finally(() => (settled = true));
      await readers;
      await expectGoneAtEveryVersion(h, id, 2);
      const deleted = h.events.filter((e) => e.pasteId === id && e.kind === PasteEventKind.DELETED);
      expect(deleted).toHaveLength(1);
      // An update that succeeded committed before the delete: the event describes version 2.
      if (updated.status === 'fulfilled')
        expect(deleted[0]).toMatchObject({ language: 'python', sizeBytes: BigInt(`v2 ${round} longer`.length) });
    }
  });
});

// Row locks make the interleaving exact: an update commits after the delete began and before it commits.
describe('deleting a paste while it is updated, interleaved exactly (mysql)', () => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness('mysql', 'paste_delrace_exact', { CACHE_MAX_TTL_MS: '300000' });
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  it('invalidates the version an update committed after the delete started, and reports that version deleted', async () => {
    const db = await h.db();
    const newContent = bytes(`second version ${Math.random()}`);
    // Another paste stores the update's content first, so the test can lock its row.
    const { paste: other } = await h.client.createPaste({ content: newContent }, h.as(alice));
    const { paste } = await h.client.createPaste(
      { content: bytes('first version'), language: 'markdown' },
      h.as(alice),
    );
    const id = paste!.id;
    // The calls wait on the test's locks for a while: more than the default 5 s deadline.
    const slow = withBearer(alice, 20_000);
    const releaseContent = await holdLocks(db, (trx) =>
      trx.selectFrom('paste_contents').select('sha256').where('sha256', '=', other!.sha256).forUpdate().execute(),
    );
    const releaseVersion = await holdLocks(db, (trx) =>
      trx
        .selectFrom('paste_versions')
        .select('version')
        .where('paste_id', '=', id)
        .where('version', '=', 1)
        .forUpdate()
        .execute(),
    );
    try {
      // The update locks the paste row, then waits for the content row.
      const update = h.client.updatePaste({ id, content: newContent, language: 'python' }, slow);
      await waitUntil(db, (waits) => waits.length === 1);
      // The delete starts while the update is uncommitted...
      const del = h.client.deletePaste({ id }, slow);
      await waitUntil(db, (waits) => waits.length === 2);
      // ...the update commits, and the delete goes on until it waits for the version row.
      await releaseContent();
      expect((await update).paste?.version).toBe(2);
      await waitUntil(db, (waits) => waits.length === 1 && waits[0]!.startsWith('delete from `paste_versions`'));
      // Meanwhile a reader caches version 2, still committed.
      expect(text((await h.client.getPaste({ id, version: 2 })).paste?.content)).toBe(text(newContent));
      await releaseVersion();
      await del;
    } finally {
      await releaseContent();
      await releaseVersion();
    }
    await expectGoneAtEveryVersion(h, id, 2);
    const deleted = h.events.find((e) => e.pasteId === id && e.kind === PasteEventKind.DELETED);
    expect(deleted).toMatchObject({ language: 'python', sizeBytes: BigInt(newContent.length) });
  });
});

describe.each(STORAGE_MODES)('revealing a burn-after-read paste while it is updated (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_revealrace', { CACHE_MAX_TTL_MS: '300000' });
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  it('hands out the version it deleted, the one the DELETED event describes, whichever commits first', async () => {
    for (let round = 0; round < 8; round++) {
      const { paste } = await h.client.createPaste(
        { content: bytes(`v1 ${round}`), language: 'markdown', burnAfterRead: true },
        h.as(alice),
      );
      const id = paste!.id;
      const [, revealed] = await Promise.allSettled([
        h.client.updatePaste({ id, content: bytes(`v2 ${round} longer`), language: 'python' }, h.as(alice)),
        h.client.revealPaste({ id }),
      ]);
      expect(revealed.status).toBe('fulfilled');
      const shown = (revealed as PromiseFulfilledResult<Awaited<ReturnType<typeof h.client.revealPaste>>>).value.paste!;
      const deleted = h.events.filter((e) => e.pasteId === id && e.kind === PasteEventKind.DELETED);
      expect(deleted).toHaveLength(1);
      expect(deleted[0]).toMatchObject({ language: shown.language, sizeBytes: BigInt(shown.content.length) });
      await expectGoneAtEveryVersion(h, id, 2);
    }
  });
});

describe('revealing a burn-after-read paste while it is updated, interleaved exactly (mysql)', () => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness('mysql', 'paste_revealrace_exact', { CACHE_MAX_TTL_MS: '300000' });
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reveals the version an update committed after the reveal started, not the one before it', async () => {
    const db = await h.db();
    const newContent = bytes(`second version ${Math.random()}`);
    // Another paste stores the update's content first, so the test can lock its row.
    const { paste: other } = await h.client.createPaste({ content: newContent }, h.as(alice));
    const { paste } = await h.client.createPaste(
      { content: bytes('first version'), language: 'markdown', burnAfterRead: true },
      h.as(alice),
    );
    const id = paste!.id;
    const slow = withBearer(alice, 20_000);
    const releaseContent = await holdLocks(db, (trx) =>
      trx.selectFrom('paste_contents').select('sha256').where('sha256', '=', other!.sha256).forUpdate().execute(),
    );
    try {
      // The update locks the paste row, then waits for the content row...
      const update = h.client.updatePaste({ id, content: newContent, language: 'python' }, slow);
      await waitUntil(db, (waits) => waits.length === 1);
      // ...while the reveal starts...
      const reveal = h.client.revealPaste({ id }, slow);
      await waitUntil(db, (waits) => waits.length === 2);
      // ...and the update commits before the reveal deletes.
      await releaseContent();
      expect((await update).paste?.version).toBe(2);
      const shown = (await reveal).paste!;
      expect([shown.version, shown.language, text(shown.content)]).toEqual([2, 'python', text(newContent)]);
    } finally {
      await releaseContent();
    }
    await expectGoneAtEveryVersion(h, id, 2);
    expect(h.events.find((e) => e.pasteId === id && e.kind === PasteEventKind.DELETED)).toMatchObject({
      language: 'python',
    });
  });
});
