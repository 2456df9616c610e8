import type { IsolationLevel, Kysely, Transaction } from 'kysely';

interface DriverError {
  errno?: number;
  code?: string;
}

/** Thrown inside a transaction when what it read changed underneath it; `inTransaction` runs it again. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A primary-key or unique violation, on MySQL/MariaDB (1062) or SQLite. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as DriverError | null;
  return (
    e?.errno === 1062 ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** MySQL deadlock (1213) or lock wait timeout (1205), SQLite busy, or a ConflictError: safe to run again. */
export function isRetryableConflict(err: unknown): boolean {
  if (err instanceof ConflictError) return true;
  const e = err as DriverError | null;
  return e?.errno === 1213 || e?.errno === 1205 || (typeof e?.code === 'string' && e.code.startsWith('SQLITE_BUSY'));
}

/** How `inTransaction` runs. */
export interface TransactionOptions {
  /** Tries in all (default 5). */
  attempts?: number;
  /** MySQL isolation level; SQLite transactions are serial whatever is asked. */
  isolation?: IsolationLevel;
}

/** Databases whose every connection already runs at an isolation level (openDatabase's `isolation`). */
const sessionIsolation = new WeakMap<object, IsolationLevel>();

/**
 * Records that every connection of `db` runs at `level` by default (set as each one connects, before its first
 * query): `inTransaction` asking for that level then sends no SET TRANSACTION of its own.
 */
export function markSessionIsolation<DB>(db: Kysely<DB>, level: IsolationLevel): void {
  sessionIsolation.set(db, level);
}

/**
 * Runs `fn` in a transaction, running it again (with jittered back-off) when the
 * engine picked it as a deadlock victim, a lock wait timed out, SQLite was busy,
 * or `fn` threw a ConflictError. Anything else propagates at once.
 */
export async function inTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  // A level the connections already run at needs no SET TRANSACTION (a round trip) before each BEGIN.
  const isolation = options.isolation === sessionIsolation.get(db) ? undefined : options.isolation;
  for (let attempt = 1; ; attempt++) {
    try {
      const builder = db.transaction();
      return await (isolation ? builder.setIsolationLevel(isolation) : builder).execute(fn);
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
