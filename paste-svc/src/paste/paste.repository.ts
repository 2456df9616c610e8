import { sql, type Selectable } from 'kysely';
import type { Paste, PasteVersion } from '@pastemesh/gen/paste';
import type { SqlDialect } from '@pastemesh/kit/storage';
import type { Db, Trx } from '../database.js';
import { toPasteVersion, toStoredPaste, withNewVersion, type StoredPaste, type VersionChange } from './paste.mapper.js';
import type { ContentLocation, PasteRecord, PasteRow, PasteTable } from './paste.table.js';

// Row types stay in this layer (and the mapper): callers get StoredPaste, Paste or RemovedPaste.

/** A paste to store, with its first version's metadata (its size is the content's). */
export interface NewPaste {
  id: string;
  ownerId: string | null;
  visibility: number;
  burnAfterRead: boolean;
  title: string;
  language: string;
  sha256: string;
  deleteTokenHash: string | null;
  createdAt: number;
  /** Null: never expires. */
  expiresAt: number | null;
}

/** A version's new content and metadata. */
export interface NewVersion {
  title: string;
  language: string;
  visibility: number;
  content: Buffer;
  sha256: string;
  createdAt: number;
}

const HEAD = [
  'p.id',
  'p.owner_id',
  'p.visibility',
  'p.burn_after_read',
  'p.latest_version',
  'p.delete_token_hash',
  'p.created_at',
  'p.updated_at',
  'p.expires_at',
] as const;

/**
 * Which content a read joins: none, the content unless the paste is
 * burn-after-read (every read but a reveal: that content is concealed, so the
 * blob is never read for it), or always (the reveal itself).
 */
export type ContentRead = 'none' | 'unless-burn' | 'always';

/** One paste at `version` (0: latest), with the content `content` asks for. One query. */
export async function findPaste(
  db: Db | Trx,
  id: string,
  version: number,
  content: ContentRead,
): Promise<StoredPaste | undefined> {
  const row = await db
    .selectFrom('pastes as p')
    .leftJoin('paste_versions as v', (join) =>
      version === 0
        ? join.onRef('v.paste_id', '=', 'p.id').onRef('v.version', '=', 'p.latest_version')
        : join.onRef('v.paste_id', '=', 'p.id').on('v.version', '=', version),
    )
    // Without content the join matches nothing, so the row shape stays the same and no blob is read.
    .leftJoin('paste_contents as c', (join) =>
      content === 'none'
        ? join.on(sql<boolean>`1 = 0`)
        : content === 'unless-burn'
          ? join.onRef('c.sha256', '=', 'v.sha256').on('p.burn_after_read', '=', 0)
          : join.onRef('c.sha256', '=', 'v.sha256'),
    )
    .select([...HEAD, 'v.version', 'v.title', 'v.language', 'v.size_bytes', 'v.sha256', 'c.content', 'c.stored_in'])
    .where('p.id', '=', id)
    .executeTakeFirst();
  return row ? toStoredPaste(normalise(row)) : undefined;
}

/** Many pastes at their latest version, in one query (the gateway's DataLoader). */
export async function findPastesByIds(db: Db, ids: string[], withContent: boolean): Promise<Paste[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('pastes as p')
    // Content of burn-after-read pastes is never read here: only RevealPaste reads (and burns) them.
    .leftJoin('paste_contents as c', (join) =>
      withContent
        ? join.onRef('c.sha256', '=', 'p.sha256').on('p.burn_after_read', '=', 0)
        : join.on(sql<boolean>`1 = 0`),
    )
    .select([
      ...HEAD,
      'p.latest_version as version',
      'p.title',
      'p.language',
      'p.size_bytes',
      'p.sha256',
      'c.content',
      'c.stored_in',
    ])
    .where('p.id', 'in', ids)
    .execute();
  return rows.map((row) => toStoredPaste(normalise(row)).paste);
}

/** Where a page of a listing starts: after this (created_at, id). */
export interface ListCursor {
  createdAt: number;
  id: string;
}

/** A page of unexpired pastes, newest first, ordered by (created_at, id) so pages never skip or repeat. */
export async function listPastes(
  db: Db,
  filter: { ownerId?: string; visibility?: number; after?: ListCursor; limit: number; now: number },
): Promise<Paste[]> {
  let query = db
    .selectFrom('pastes as p')
    .select([
      ...HEAD,
      'p.latest_version as version',
      'p.title',
      'p.language',
      'p.size_bytes',
      'p.sha256',
      sql<Buffer | null>`null`.as('content'),
    ])
    .where((eb) => eb.or([eb('p.expires_at', 'is', null), eb('p.expires_at', '>', filter.now)]));
  if (filter.ownerId !== undefined) query = query.where('p.owner_id', '=', filter.ownerId);
  if (filter.visibility !== undefined) query = query.where('p.visibility', '=', filter.visibility);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('p.created_at', '<', after.createdAt),
        eb.and([eb('p.created_at', '=', after.createdAt), eb('p.id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(filter.limit).execute();
  return rows.map((row) => toStoredPaste(normalise(row)).paste);
}

/** Every version of a paste, newest first. */
export async function listVersions(db: Db, id: string): Promise<PasteVersion[]> {
  const rows = await db
    .selectFrom('paste_versions')
    .selectAll()
    .where('paste_id', '=', id)
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toPasteVersion);
}

/** A paste (without version fields or content) and every version of it, newest first. */
export interface PasteWithVersions {
  paste: Paste;
  versions: PasteVersion[];
}

/** The versions of many pastes (ids unique), in one query; pastes that do not exist are left out. */
export async function listVersionsByIds(db: Db, ids: string[]): Promise<PasteWithVersions[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('pastes as p')
    .innerJoin('paste_versions as v', 'v.paste_id', 'p.id')
    .select([
      ...HEAD,
      'v.version',
      'v.title',
      'v.language',
      'v.size_bytes',
      'v.sha256',
      'v.created_at as version_created_at',
    ])
    .where('p.id', 'in', ids)
    .orderBy('p.id')
    .orderBy('v.version', 'desc')
    .execute();
  const byId = new Map<string, PasteWithVersions>();
  for (const row of rows) {
    let entry = byId.get(row.id);
    if (!entry) {
      const head = {
        ...row,
        version: null,
        title: null,
        language: null,
        size_bytes: null,
        sha256: null,
        content: null,
      };
      byId.set(row.id, (entry = { paste: toStoredPaste(normalise(head)).paste, versions: [] }));
    }
    entry.versions.push(
      toPasteVersion({
        paste_id: row.id,
        version: row.version,
        title: row.title,
        language: row.language,
        size_bytes: Number(row.size_bytes),
        sha256: row.sha256,
        created_at: Number(row.version_created_at),
      }),
    );
  }
  return [...byId.values()];
}

/** What a write stored: the paste (without content), and whether its content's object must be written again. */
export interface StoredWrite<T> {
  result: T;
  /** The content's row was a tombstone (its object deleted by the sweeper): write the object again before commit. */
  revived: boolean;
}

/**
 * Stores a new paste with its first version; a taken id throws a duplicate-key
 * error and changes nothing. Resolves with the stored paste (without content).
 * New content goes where `location` says (its object, if `store`, was written before this transaction).
 */
export async function insertPaste(
  trx: Trx,
  dialect: SqlDialect,
  draft: NewPaste,
  content: Buffer,
  location: ContentLocation,
): Promise<StoredWrite<Paste>> {
  const { paste, version } = newPasteRows(draft, content);
  await trx.insertInto('pastes').values(paste).execute();
  await trx.insertInto('paste_versions').values(version).execute();
  const revived = await retainContent(trx, dialect, paste.sha256, content, paste.created_at, location);
  return { result: storedNewPaste(paste), revived };
}

/** The rows of a new paste and of its first version (insertPaste and insertPasteAtOnce store the same). */
export function newPasteRows(draft: NewPaste, content: Buffer) {
  const paste = {
    id: draft.id,
    owner_id: draft.ownerId,
    visibility: draft.visibility,
    burn_after_read: draft.burnAfterRead ? 1 : 0,
    title: draft.title,
    language: draft.language,
    size_bytes: content.length,
    sha256: draft.sha256,
    latest_version: 1,
    delete_token_hash: draft.deleteTokenHash,
    created_at: draft.createdAt,
    updated_at: draft.createdAt,
    expires_at: draft.expiresAt,
  } satisfies PasteRow;
  const version = {
    paste_id: paste.id,
    version: 1,
    title: paste.title,
    language: paste.language,
    size_bytes: paste.size_bytes,
    sha256: paste.sha256,
    created_at: paste.created_at,
  };
  return { paste, version };
}

/** The paste a create stored, as it answers (without content). */
export function storedNewPaste(paste: PasteRow): Paste {
  return toStoredPaste({ ...paste, version: 1, content: null }).paste;
}

/**
 * MySQL: counts one more user of each content whose bytes stay in the table (CONTENT_STORE=database), inserting
 * them if new; one row per user (a content twice counts twice). A tombstone (refs -1, object gone) becomes a
 * database row again with these bytes.
 */
export function upsertDatabaseContent(
  db: Db | Trx,
  contents: readonly { sha256: string; content: Buffer }[],
  now: number,
) {
  return db
    .insertInto('paste_contents')
    .values(
      contents.map(({ sha256, content }) => ({
        sha256,
        content,
        size_bytes: content.length,
        refs: 1,
        touched_at: now,
      })),
    )
    .onDuplicateKeyUpdate(databaseContentUpdate('mysql', now));
}

/** What a database-content upsert does to an existing row. refs last: MySQL applies these in order, and the others test the old refs. */
function databaseContentUpdate(dialect: SqlDialect, now: number) {
  // The inserted row's bytes, not sent a second time (as hex, they are most of a create's statement).
  const inserted = dialect === 'mysql' ? sql<Buffer>`values(content)` : sql<Buffer>`excluded.content`;
  return {
    content: sql<Buffer>`case when refs < 0 then ${inserted} else content end`,
    stored_in: sql<ContentLocation>`case when refs < 0 then 'database' else stored_in end`,
    touched_at: now,
    refs: sql<number>`case when refs < 0 then 1 else refs + 1 end`,
  };
}

/**
 * Makes version `current.latestVersion + 1`, but only if nobody else made it
 * first (conditional UPDATE). Resolves with the paste at its new version
 * (without content), or undefined: re-read and try again.
 */
export async function appendVersion(
  trx: Trx,
  dialect: SqlDialect,
  current: Paste,
  change: NewVersion,
  location: ContentLocation,
): Promise<StoredWrite<Paste> | undefined> {
  const id = current.id;
  const expectedLatest = current.latestVersion;
  const version = expectedLatest + 1;
  const size = change.content.length;
  const result = await trx
    .updateTable('pastes')
    .set({
      latest_version: version,
      title: change.title,
      language: change.language,
      visibility: change.visibility,
      size_bytes: size,
      sha256: change.sha256,
      updated_at: change.createdAt,
    })
    .where('id', '=', id)
    .where('latest_version', '=', expectedLatest)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  await trx
    .insertInto('paste_versions')
    .values({
      paste_id: id,
      version,
      title: change.title,
      language: change.language,
      size_bytes: size,
      sha256: change.sha256,
      created_at: change.createdAt,
    })
    .execute();
  const revived = await retainContent(trx, dialect, change.sha256, change.content, change.createdAt, location);
  const stored: VersionChange = { ...change, sizeBytes: size };
  return { result: withNewVersion(current, stored, version), revived };
}

/**
 * Counts one more user of `sha256`, storing the bytes if they are new (in the row for `database`; for `store`
 * the object was written before the transaction). Locks the content row, so it serialises with release and
 * with the sweeper. Resolves true when the row was a tombstone, whose object the sweeper deleted: the caller
 * writes the object again before this transaction commits.
 */
async function retainContent(
  trx: Trx,
  dialect: SqlDialect,
  sha256: string,
  content: Buffer,
  now: number,
  location: ContentLocation,
): Promise<boolean> {
  if (location === 'database') {
    if (dialect === 'mysql') await upsertDatabaseContent(trx, [{ sha256, content }], now).execute();
    else
      await trx
        .insertInto('paste_contents')
        .values({ sha256, content, size_bytes: content.length, refs: 1, touched_at: now })
        .onConflict((oc) => oc.column('sha256').doUpdateSet(databaseContentUpdate('sqlite', now)))
        .execute();
    return false;
  }
  let read = trx.selectFrom('paste_contents').select('refs').where('sha256', '=', sha256);
  if (dialect === 'mysql') read = read.forUpdate();
  const row = await read.executeTakeFirst();
  if (!row) {
    await trx
      .insertInto('paste_contents')
      .values({ sha256, content: EMPTY, size_bytes: content.length, refs: 1, touched_at: now, stored_in: 'store' })
      .execute();
    return false;
  }
  const revived = Number(row.refs) < 0;
  await trx
    .updateTable('paste_contents')
    .set(
      revived
        ? { refs: 1, touched_at: now, stored_in: 'store', content: EMPTY }
        : { refs: sql`refs + 1`, touched_at: now },
    )
    .where('sha256', '=', sha256)
    .execute();
  return revived;
}

/** What a `store` row keeps in its content column. */
const EMPTY = Buffer.alloc(0);

export { removePastes, lockPaste, findExpiredIds, removeOrphanContent } from './paste-removal.repository.js';

function normalise<
  R extends Omit<PasteRecord, 'content' | 'stored_in'> & {
    content: Buffer | Uint8Array | null;
    stored_in?: string | null;
  },
>(row: R): PasteRecord {
  return {
    ...row,
    stored_in: row.stored_in === 'store' ? 'store' : row.stored_in === 'database' ? 'database' : null,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
    size_bytes: row.size_bytes === null ? null : Number(row.size_bytes),
    // A `store` row's bytes are in the object store: the read service fills them in (Contents.fill).
    content:
      row.content === null || row.stored_in === 'store'
        ? null
        : Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength),
  };
}
