import { sql } from 'kysely';
import { ConflictError, type SqlDialect } from '@pastemesh/kit/storage';
import type { Db, Trx } from '../database.js';
import { toRemovedPaste, type RemovedPaste } from './paste.mapper.js';
import type { PasteRow } from './paste.table.js';

/**
 * Deletes pastes by id list with their versions, and content nobody uses any
 * more, in the caller's transaction. Each paste is deleted by a conditional
 * DELETE and counts only if this call removed it, so concurrent deleters
 * (a user, a burn, several sweepers) never both "win" the same paste.
 * With `expiredAt`, only pastes expired by then are touched. Resolves with
 * each removed paste as it was when deleted (its latest version included).
 */
export async function removePastes(
  trx: Trx,
  dialect: SqlDialect,
  ids: string[],
  options: { expiredAt?: number } = {},
): Promise<RemovedPaste[]> {
  // Sorted, so two replicas sweeping the same list lock rows in the same order.
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return [];
  let read = trx.selectFrom('pastes').selectAll().where('id', 'in', sorted);
  if (options.expiredAt !== undefined) read = read.where('expires_at', '<=', options.expiredAt);
  // Locked before it is read (MySQL), so no update commits between this read and the DELETE:
  // the latest_version we invalidate up to and the attributes we report are those we delete.
  // SQLite needs no lock: a write committed since this read makes our DELETE fail busy and run again.
  const before = await (dialect === 'mysql' ? read.orderBy('id').forUpdate() : read).execute();
  const byId = new Map(before.map((row) => [row.id, row]));
  const removed: PasteRow[] = [];
  for (const id of sorted) {
    const row = byId.get(id);
    if (!row) continue;
    let del = trx.deleteFrom('pastes').where('id', '=', id);
    if (options.expiredAt !== undefined) del = del.where('expires_at', '<=', options.expiredAt);
    const result = await del.executeTakeFirst();
    if (Number(result.numDeletedRows) === 1) removed.push(row);
  }
  if (removed.length > 0)
    await releaseVersions(
      trx,
      removed.map((r) => r.id),
    );
  return removed.map(toRemovedPaste);
}

/**
 * Locks a paste's row until the caller's transaction ends (MySQL), so no
 * update commits between a read that follows and a removal: a reveal returns
 * the version it deletes. SQLite needs none: a write committed since the read
 * makes the removal fail busy and the transaction run again.
 */
export async function lockPaste(trx: Trx, dialect: SqlDialect, id: string): Promise<void> {
  if (dialect === 'mysql') await trx.selectFrom('pastes').select('id').where('id', '=', id).forUpdate().execute();
}

/** Deletes the versions of pastes already deleted, and content whose last user they were. */
async function releaseVersions(trx: Trx, pasteIds: string[]): Promise<void> {
  const uses = await trx
    .selectFrom('paste_versions')
    .select(['sha256', (eb) => eb.fn.countAll().as('n')])
    .where('paste_id', 'in', pasteIds)
    .groupBy('sha256')
    .orderBy('sha256')
    .execute();
  const deleted = await trx.deleteFrom('paste_versions').where('paste_id', 'in', pasteIds).executeTakeFirst();
  const expected = uses.reduce((sum, u) => sum + Number(u.n), 0);
  // The pastes rows are ours (deleted above), so no version can appear meanwhile; if counts still differ, start over.
  if (Number(deleted.numDeletedRows) !== expected)
    throw new ConflictError(`versions changed while deleting (${expected} vs ${deleted.numDeletedRows})`);
  for (const use of uses) {
    await trx
      .updateTable('paste_contents')
      .set((eb) => ({ refs: eb('refs', '-', Number(use.n)) }))
      .where('sha256', '=', use.sha256)
      .execute();
  }
  if (uses.length > 0) {
    await trx
      .deleteFrom('paste_contents')
      .where(
        'sha256',
        'in',
        uses.map((u) => u.sha256),
      )
      .where('refs', '<=', 0)
      // A `store` row stays at refs 0 until the sweeper has deleted its object (stored-content.repository.ts).
      .where('stored_in', '=', 'database')
      .execute();
  }
}

/** Ids of pastes expired at `now`, oldest expiry first, at most `limit`. */
export async function findExpiredIds(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('pastes')
    .select('id')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Safety net for content no version points at (a counting bug or a manual
 * delete): removes up to `limit` rows untouched since `cutoff`. The DELETE
 * re-checks both conditions, so a create reusing the content meanwhile keeps it.
 */
export async function removeOrphanContent(db: Db, cutoff: number, limit: number): Promise<number> {
  const unreferenced = (table: 'paste_contents' | 'c') =>
    sql<boolean>`not exists (select 1 from paste_versions v where v.sha256 = ${sql.ref(`${table}.sha256`)})`;
  const candidates = await db
    .selectFrom('paste_contents as c')
    .select('c.sha256')
    .where('c.touched_at', '<', cutoff)
    .where('c.stored_in', '=', 'database')
    .where(unreferenced('c'))
    .limit(limit)
    .execute();
  if (candidates.length === 0) return 0;
  const result = await db
    .deleteFrom('paste_contents')
    .where(
      'sha256',
      'in',
      candidates.map((c) => c.sha256),
    )
    .where('touched_at', '<', cutoff)
    .where('stored_in', '=', 'database')
    .where(unreferenced('paste_contents'))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
