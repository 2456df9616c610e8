import type { ColumnType, Selectable } from 'kysely';

/**
 * Row shapes of paste-svc's tables. Timestamps are epoch milliseconds (BIGINT);
 * booleans are 0/1 so MySQL and SQLite agree. Row types stay in the data layer.
 */

/** One paste: the metadata of its latest version, denormalised so lists need no join. */
export interface PasteTable {
  id: string;
  owner_id: string | null;
  /** The Visibility enum value. */
  visibility: number;
  burn_after_read: number;
  title: string;
  language: string;
  size_bytes: number;
  sha256: string;
  latest_version: number;
  /** SHA-256 (hex) of the delete token of an anonymous paste. */
  delete_token_hash: string | null;
  created_at: number;
  updated_at: number;
  /** Null for pastes that never expire. */
  expires_at: number | null;
}

/** One immutable version of a paste. */
export interface PasteVersionTable {
  paste_id: string;
  version: number;
  title: string;
  language: string;
  size_bytes: number;
  sha256: string;
  created_at: number;
}

/** Content, stored once per distinct SHA-256 however many versions share it. */
export interface PasteContentTable {
  sha256: string;
  content: Buffer;
  size_bytes: number;
  /** How many versions point here; the row goes when it reaches 0. */
  refs: number;
  /** Last time a version started using it (the orphan sweep leaves recent rows alone). */
  touched_at: number;
  /** `database`: the bytes are in `content`; `store`: in the object store under `sha256` (`content` is empty). */
  stored_in: ColumnType<ContentLocation, ContentLocation | undefined, ContentLocation>;
}

/** Where a content's bytes are. */
export type ContentLocation = 'database' | 'store';

/** A paste joined with one version (null fields when that version does not exist) and, if asked, its content. */
export interface PasteRecord {
  id: string;
  owner_id: string | null;
  visibility: number;
  burn_after_read: number;
  latest_version: number;
  delete_token_hash: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  version: number | null;
  title: string | null;
  language: string | null;
  size_bytes: number | null;
  sha256: string | null;
  content: Buffer | null;
  /** Where the joined content's bytes are (null when no content was joined). */
  stored_in?: ContentLocation | null;
}

/** A paste row as read. */
export type PasteRow = Selectable<PasteTable>;
