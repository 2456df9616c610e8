import fs from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ContentStore } from './content-store.js';

/** Where content moves from and to: the table (`database`) or an object store. */
export type ContentPlace = { kind: 'database' } | { kind: 'store'; store: ContentStore };

export interface MoveOptions {
  db: Db;
  from: ContentPlace;
  to: ContentPlace;
  /** Rows per batch. */
  batchSize?: number;
  /**
   * Store to store only: a file recording the last key copied, so a second run resumes after it. (Moves that
   * involve the table need none: a moved row says so itself.)
   */
  stateFile?: string;
  /** Called after each batch with how many are done of how many there were at the start. */
  onProgress?: (done: number, total: number) => void;
}

/** What a move did. */
export interface MoveResult {
  moved: number;
  total: number;
}

/**
 * Moves existing content between the table and object stores, a batch at a time, while paste-svc runs:
 * - table → store: each row's bytes are written to the store, then the row says `store` and drops its bytes;
 * - store → table: each `store` row's bytes are read from the store into the row, which then says `database`;
 * - store → store: every object a row uses is copied (rows keep saying `store`; switch CONTENT_STORE after).
 * Each step is idempotent and conditional, so an interrupted move resumes where it stopped when run again, and
 * a paste written meanwhile is never lost: run paste-svc with CONTENT_STORE set to the destination (and
 * CONTENT_STORE_PREVIOUS to the source store, when there is one) while content moves.
 */
export async function moveContent(options: MoveOptions): Promise<MoveResult> {
  const { db, from, to } = options;
  const batchSize = options.batchSize ?? 200;
  if (from.kind === 'database' && to.kind === 'database') throw new Error('--from and --to are both the database');
  const fromLocation = from.kind === 'database' ? 'database' : 'store';
  const pending = () =>
    db
      .selectFrom('paste_contents')
      .where('stored_in', '=', fromLocation)
      // Tombstones (refs -1) have no object left to move.
      .where('refs', '>=', 0);
  const total = Number(
    (
      await pending()
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  let after = from.kind === 'store' && to.kind === 'store' ? readState(options.stateFile) : '';
  let moved = 0;
  if (after)
    moved = Number(
      (
        await pending()
          .select((eb) => eb.fn.countAll().as('n'))
          .where('sha256', '<=', after)
          .executeTakeFirstOrThrow()
      ).n,
    );
  for (;;) {
    const rows = await pending()
      .select(['sha256', 'content'])
      .where('sha256', '>', after)
      .orderBy('sha256')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const { sha256, content } of rows) {
      if (from.kind === 'database' && to.kind === 'store') {
        await to.store.put(sha256, Buffer.from(content));
        await db
          .updateTable('paste_contents')
          .set({ stored_in: 'store', content: Buffer.alloc(0) })
          .where('sha256', '=', sha256)
          .where('stored_in', '=', 'database')
          .execute();
      } else if (from.kind === 'store') {
        const bytes = await from.store.get(sha256);
        if (!bytes)
          throw new Error(`content ${sha256} is not in ${from.store.name}: nothing to move (it may have been lost)`);
        if (to.kind === 'store') await to.store.put(sha256, bytes);
        else
          await db
            .updateTable('paste_contents')
            .set({ stored_in: 'database', content: bytes })
            .where('sha256', '=', sha256)
            .where('stored_in', '=', 'store')
            .where(sql<boolean>`refs >= 0`)
            .execute();
      }
      moved++;
    }
    // Rows that changed place leave `pending`; store-to-store rows stay, so the key is the cursor.
    after = rows.at(-1)!.sha256;
    if (from.kind === 'store' && to.kind === 'store') writeState(options.stateFile, after);
    else after = '';
    options.onProgress?.(Math.min(moved, total), total);
  }
  if (options.stateFile) fs.rmSync(options.stateFile, { force: true });
  return { moved, total };
}

function readState(file: string | undefined): string {
  if (!file || !fs.existsSync(file)) return '';
  const { after } = JSON.parse(fs.readFileSync(file, 'utf8')) as { after?: string };
  return typeof after === 'string' ? after : '';
}

function writeState(file: string | undefined, after: string): void {
  if (file) fs.writeFileSync(file, JSON.stringify({ after }));
}
