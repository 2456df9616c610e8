import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PasteSchema, PasteVersionSchema, type Paste, type PasteVersion, type Visibility } from '@pastemesh/gen/paste';
import { PasteEventKind, type PasteEventSchema } from '@pastemesh/gen/analytics';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Selectable } from 'kysely';
import type { PasteRecord, PasteRow, PasteVersionTable } from './paste.table.js';

// Rows become these domain objects here; services never see a row.

/** A paste as the service reasons about it: the message, plus what never leaves the service. */
export interface StoredPaste {
  paste: Paste;
  /** False when the paste exists but the asked version does not (the message's version fields are then empty). */
  hasVersion: boolean;
  /** Epoch ms, or null when it never expires. */
  expiresAt: number | null;
  deleteTokenHash: string | null;
}

/** What an analytics event says about a paste. */
export interface PasteFacts {
  id: string;
  language: string;
  visibility: number;
  sizeBytes: number | bigint;
}

/** A paste this process just deleted, as it was when deleted. */
export interface RemovedPaste extends PasteFacts {
  /** Versions 1 to this one may be cached and must be invalidated. */
  latestVersion: number;
}

/** A new version's metadata, as it is stored. */
export interface VersionChange {
  title: string;
  language: string;
  visibility: number;
  sha256: string;
  sizeBytes: number;
  createdAt: number;
}

/** A joined row as a StoredPaste; `content` is set only when the row carries it. */
export function toStoredPaste(row: PasteRecord): StoredPaste {
  const paste = create(PasteSchema, {
    id: row.id,
    title: row.title ?? '',
    content: row.content ?? new Uint8Array(),
    contentIncluded: row.content !== null,
    language: row.language ?? '',
    visibility: row.visibility as Visibility,
    createTime: timestampFromMs(row.created_at),
    updateTime: timestampFromMs(row.updated_at),
    expireTime: row.expires_at === null ? undefined : timestampFromMs(row.expires_at),
    burnAfterRead: row.burn_after_read === 1,
    ownerId: row.owner_id ?? '',
    sizeBytes: BigInt(row.size_bytes ?? 0),
    sha256: row.sha256 ?? '',
    version: row.version ?? 0,
    latestVersion: row.latest_version,
  });
  return { paste, hasVersion: row.version !== null, expiresAt: row.expires_at, deleteTokenHash: row.delete_token_hash };
}

/** `current` (read without content) as it is once `change` became its version `version`. */
export function withNewVersion(current: Paste, change: VersionChange, version: number): Paste {
  const { $typeName: _type, content: _content, ...rest } = current;
  return create(PasteSchema, {
    ...rest,
    contentIncluded: false,
    title: change.title,
    language: change.language,
    visibility: change.visibility as Visibility,
    sizeBytes: BigInt(change.sizeBytes),
    sha256: change.sha256,
    updateTime: timestampFromMs(change.createdAt),
    version,
    latestVersion: version,
  });
}

/** A deleted paste row, as invalidation and the DELETED event need it. */
export function toRemovedPaste(row: PasteRow): RemovedPaste {
  return {
    id: row.id,
    latestVersion: row.latest_version,
    language: row.language,
    visibility: row.visibility,
    sizeBytes: Number(row.size_bytes),
  };
}

/** A stored version as a PasteVersion. */
export function toPasteVersion(row: Selectable<PasteVersionTable>): PasteVersion {
  return create(PasteVersionSchema, {
    version: row.version,
    title: row.title,
    language: row.language,
    sizeBytes: BigInt(row.size_bytes),
    sha256: row.sha256,
    createTime: timestampFromMs(Number(row.created_at)),
  });
}

/** The analytics event for a change to a paste. */
export function toPasteEvent(
  kind: PasteEventKind,
  paste: PasteFacts,
  eventId: string,
  now: number,
): MessageInitShape<typeof PasteEventSchema> {
  return {
    eventId,
    pasteId: paste.id,
    kind,
    time: timestampFromMs(now),
    language: paste.language,
    visibility: paste.visibility as Visibility,
    sizeBytes: BigInt(paste.sizeBytes),
  };
}

export { PasteEventKind };
