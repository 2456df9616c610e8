import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { PasteContentTable, PasteTable, PasteVersionTable } from './paste/paste.table.js';

/** paste-svc's database, composed from its tables. */
export interface PasteDatabase {
  pastes: PasteTable;
  paste_versions: PasteVersionTable;
  paste_contents: PasteContentTable;
}

export type Db = Kysely<PasteDatabase>;
export type Trx = Transaction<PasteDatabase>;

interface DriverError {
  errno?: number;
  code?: string;
}

/** Thrown inside a transaction when what it read changed underneath it; the transaction is run again. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** MySQL deadlock (1213) or lock wait timeout (1205), SQLite busy, or a ConflictError: safe to run again. */
export function isRetryableConflict(err: unknown): boolean {
  if (err instanceof ConflictError) return true;
  const e = err as DriverError;
  return e?.errno === 1213 || e?.errno === 1205 || (typeof e?.code === 'string' && e.code.startsWith('SQLITE_BUSY'));
}

/** A primary-key or unique violation on either engine. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as DriverError;
  return e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Runs `fn` in a transaction, retrying it a few times when the engine chose it
 * as a deadlock victim (concurrent creates and deletes sharing content can).
 * READ COMMITTED on MySQL: every statement sees what is committed when it runs,
 * so reads after a conditional DELETE/UPDATE see the rows that statement locked
 * (REPEATABLE READ would show an older snapshot). SQLite transactions are serial anyway.
 */
export async function inTransaction<T>(db: Db, fn: (trx: Trx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('read committed').execute(fn);
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
      await sleep(Math.random() * 10 * attempt);
    }
  }
}
