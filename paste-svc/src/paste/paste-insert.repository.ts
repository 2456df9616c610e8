import { CompiledQuery, sql } from 'kysely';
import type { Paste } from '@pastemesh/gen/paste';
import { isRetryableConflict, type SqlDialect } from '@pastemesh/kit/storage';
import type { Db } from '../database.js';
import { newPasteRows, storedNewPaste, upsertDatabaseContent, type NewPaste } from './paste.repository.js';
import type { ContentLocation } from './paste.table.js';

// A create is three statements in one transaction (insertPaste): sent one by one with BEGIN and COMMIT, five
// round trips to MySQL, each costing paste-svc and MariaDB CPU of its own (bench/README.md, Creates: one compound
// statement instead took paste-svc from ~525 to ~410 us per create). On MariaDB they go as that one statement.

/** Tries in all when MariaDB picks the create as a deadlock victim or a lock wait times out (as inTransaction). */
const ATTEMPTS = 5;

/** What the compound statement signals when the content's row is a tombstone (see retainContent). */
const TOMBSTONE = 'pastemesh: the content row is a tombstone';
/** ER_SIGNAL_EXCEPTION: a SIGNAL of our own. */
const SIGNALLED = 1644;
/** ER_PARSE_ERROR: a server without compound statements (MySQL, not MariaDB). */
const PARSE_ERROR = 1064;

/** Databases that cannot run the compound statement: their creates take the statement-by-statement path. */
const unsupported = new WeakSet<Db>();

interface DriverError {
  errno?: number;
  sqlMessage?: string;
}

/** A paste to create and its content. */
export interface NewPasteWithContent {
  draft: NewPaste;
  content: Buffer;
}

/**
 * On MariaDB: stores new pastes exactly as insertPaste for each in one READ_COMMITTED transaction does, in one
 * round trip (BEGIN NOT ATOMIC: its own transaction, rolled back by its handler on any error, which then reaches
 * the caller as MariaDB raised it: a taken id is still a duplicate-key error). Several pastes are one statement
 * per table (CreatePastes): all are stored, or none. Resolves with the stored pastes (without content) in the
 * order given, or undefined when it cannot store them so: on SQLite or MySQL, and when a content's row is a
 * tombstone, whose object must be written again before the transaction commits (nothing was stored; run
 * insertPaste in a transaction then).
 */
export async function insertPastesAtOnce(
  db: Db,
  dialect: SqlDialect,
  items: readonly NewPasteWithContent[],
  location: ContentLocation,
): Promise<Paste[] | undefined> {
  if (dialect !== 'mysql' || unsupported.has(db) || items.length === 0) return undefined;
  const rows = items.map((item) => newPasteRows(item.draft, item.content));
  // Content rows are locked in one order by every create, so two concurrent batches sharing contents queue
  // instead of deadlocking. One row per paste in one upsert: identical contents in a batch count one user each.
  const contents = items
    .map((item) => ({ sha256: item.draft.sha256, content: item.content }))
    .sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  const now = rows[0]!.paste.created_at;
  const statements =
    location === 'database'
      ? [upsertDatabaseContent(db, contents, now).compile()]
      : [
          // As retainContent for `store`, but without reading the rows first: a live row (refs ≥ 0) counts one more
          // user; a tombstone is left as it is and the create starts again on the other path. refs last: MySQL
          // applies these in order, and touched_at tests the old refs.
          db
            .insertInto('paste_contents')
            .values(
              contents.map(({ sha256, content }) => ({
                sha256,
                content: Buffer.alloc(0),
                size_bytes: content.length,
                refs: 1,
                touched_at: now,
                stored_in: 'store' as const,
              })),
            )
            .onDuplicateKeyUpdate({
              touched_at: sql<number>`case when refs < 0 then touched_at else ${now} end`,
              refs: sql<number>`case when refs < 0 then refs else refs + 1 end`,
            })
            .compile(),
          CompiledQuery.raw(
            `SELECT coalesce(max(refs < 0), FALSE) INTO tombstone FROM paste_contents WHERE sha256 IN (${contents.map(() => '?').join(', ')})`,
            contents.map((c) => c.sha256),
          ),
          CompiledQuery.raw(`IF tombstone THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${TOMBSTONE}'; END IF`),
        ];
  const parts = [
    db
      .insertInto('pastes')
      .values(rows.map((r) => r.paste))
      .compile(),
    db
      .insertInto('paste_versions')
      .values(rows.map((r) => r.version))
      .compile(),
    ...statements,
  ];
  const block = CompiledQuery.raw(
    'BEGIN NOT ATOMIC\n' +
      [
        'DECLARE tombstone BOOLEAN DEFAULT FALSE',
        'DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END',
        // READ_COMMITTED, as every paste-svc transaction (database.ts).
        'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
        'START TRANSACTION',
        ...parts.map((p) => p.sql),
        'COMMIT',
      ].join(';\n') +
      ';\nEND',
    parts.flatMap((p) => p.parameters),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      await db.executeQuery(block);
      return rows.map((r) => storedNewPaste(r.paste));
    } catch (err) {
      const e = err as DriverError | null;
      if (e?.errno === PARSE_ERROR) {
        unsupported.add(db);
        return undefined;
      }
      if (e?.errno === SIGNALLED && e.sqlMessage === TOMBSTONE) return undefined;
      if (attempt >= ATTEMPTS || !isRetryableConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
