import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PasteSchema, PasteVersionSchema, type Paste, type PasteVersion, type Visibility } from '@pastemesh/gen/paste';
import { PasteEventKind, type PasteEventSchema } from '@pastemesh/gen/analytics';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Selectable } from 'kysely';
import type { PasteRecord, PasteRow } from './paste.repository.js';
import type { PasteVersionTable } from './paste.table.js';

/** A paste as the service reasons about it: the message, plus what never leaves the service. */
export interface StoredPaste {
  paste: Paste;
  /** Epoch ms, or null when it never expires. */
  expiresAt: number | null;
  deleteTokenHash: string | null;
}

/** A joined row as a Paste; `content` is set only when the row carries it. */
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
  return { paste, expiresAt: row.expires_at, deleteTokenHash: row.delete_token_hash };
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

/** The analytics event for a change to a paste (deleted rows come straight from the table). */
export function toPasteEvent(
  kind: PasteEventKind,
  paste: { id: string; language: string; visibility: number; sizeBytes: number | bigint },
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

/** A deleted row in the shape toPasteEvent takes. */
export function rowFacts(row: PasteRow) {
  return { id: row.id, language: row.language, visibility: row.visibility, sizeBytes: Number(row.size_bytes) };
}

export { PasteEventKind };
