import { sql } from 'kysely';
import { inTransaction, type SqlDialect } from '@pastemesh/kit/storage';
import { READ_COMMITTED, type Db } from '../database.js';
import type { ContentStore } from './content-store.js';

// The life of a `store` content row (paste_contents.stored_in = 'store'):
//   refs ≥ 1  in use (versions point at it);
//   refs = 0  unused, its object still in the store (its last version went, or the orphan scan found an object
//             no row knew: a create whose transaction failed after writing it);
//   refs = -1 a tombstone: its object was deleted; the row goes a grace period later.
// A create that finds a tombstone revives it (refs 1) and writes the object again after its commit, and the
// object is deleted only under the row's lock: so a create and the sweeper never both win (see retainContent).

/**
 * Deletes the objects of `store` rows unused since `cutoff`, up to `limit`, each under its row's lock (a create
 * reusing the content waits, then finds the tombstone and writes the object again). Resolves with how many.
 */
export async function deleteUnusedObjects(
  db: Db,
  dialect: SqlDialect,
  store: ContentStore,
  cutoff: number,
  now: number,
  limit: number,
): Promise<number> {
  const candidates = await db
    .selectFrom('paste_contents')
    .select('sha256')
    .where('stored_in', '=', 'store')
    .where('refs', '=', 0)
    .where('touched_at', '<', cutoff)
    .orderBy('sha256')
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const { sha256 } of candidates) {
    const gone = await inTransaction(
      db,
      async (trx) => {
        let read = trx.selectFrom('paste_contents').select(['refs', 'touched_at']).where('sha256', '=', sha256);
        if (dialect === 'mysql') read = read.forUpdate();
        const row = await read.executeTakeFirst();
        if (!row || Number(row.refs) !== 0 || Number(row.touched_at) >= cutoff) return false;
        // A tombstone whatever the delete says: a delete that failed may still have happened (its reply lost),
        // and a row left at refs 0 would let a create reuse an object that is gone. A create that finds the
        // tombstone writes the object again; an object that survived is found by the next orphan scan.
        let deleted = true;
        try {
          await store.delete(sha256);
        } catch {
          deleted = false;
        }
        await trx
          .updateTable('paste_contents')
          .set({ refs: -1, touched_at: now })
          .where('sha256', '=', sha256)
          .execute();
        return deleted;
      },
      READ_COMMITTED,
    );
    if (gone) deleted++;
  }
  return deleted;
}

/** Removes tombstones older than `cutoff` (their objects were deleted a grace period ago). */
export async function purgeTombstones(db: Db, cutoff: number, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('paste_contents')
    .select('sha256')
    .where('refs', '<', 0)
    .where('touched_at', '<', cutoff)
    .limit(limit)
    .execute();
  if (rows.length === 0) return 0;
  const result = await db
    .deleteFrom('paste_contents')
    .where(
      'sha256',
      'in',
      rows.map((r) => r.sha256),
    )
    .where('refs', '<', 0)
    .where('touched_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Gives every object of `keys` that no row knows an unused row (refs 0, touched now), so it is deleted a grace
 * period later like any unused content. A create committing meanwhile wins: the insert only adds missing rows.
 */
export async function adoptOrphanObjects(db: Db, dialect: SqlDialect, keys: string[], now: number): Promise<number> {
  if (keys.length === 0) return 0;
  const known = new Set(
    (await db.selectFrom('paste_contents').select('sha256').where('sha256', 'in', keys).execute()).map((r) => r.sha256),
  );
  const orphans = keys.filter((k) => !known.has(k));
  if (orphans.length === 0) return 0;
  const insert = db.insertInto('paste_contents').values(
    orphans.map((sha256) => ({
      sha256,
      content: Buffer.alloc(0),
      size_bytes: 0,
      refs: 0,
      touched_at: now,
      stored_in: 'store' as const,
    })),
  );
  const result =
    dialect === 'mysql'
      ? await insert.ignore().executeTakeFirst()
      : await insert.onConflict((oc) => oc.column('sha256').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** `store` rows no version points at (a counting bug, a crash between object and transaction), unused from now on. */
export async function releaseUnreferencedStoreRows(db: Db, cutoff: number, limit: number): Promise<number> {
  const unreferenced = sql<boolean>`not exists (select 1 from paste_versions v where v.sha256 = paste_contents.sha256)`;
  const rows = await db
    .selectFrom('paste_contents')
    .select('sha256')
    .where('stored_in', '=', 'store')
    .where('refs', '>', 0)
    .where('touched_at', '<', cutoff)
    .where(unreferenced)
    .limit(limit)
    .execute();
  if (rows.length === 0) return 0;
  const result = await db
    .updateTable('paste_contents')
    .set({ refs: 0 })
    .where(
      'sha256',
      'in',
      rows.map((r) => r.sha256),
    )
    .where('touched_at', '<', cutoff)
    .where(unreferenced)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
