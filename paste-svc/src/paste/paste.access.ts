import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { PasteSchema, PasteVersionSchema, Visibility, type Paste, type PasteVersion } from '@pastemesh/gen/paste';
import { type Principal } from '@pastemesh/kit/auth';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';

/** Who may see a paste: anyone unless it is PRIVATE, then only its owner (admins moderate by deleting, not reading). */
export function canSee(paste: Paste, caller: Principal | undefined): boolean {
  return paste.visibility !== Visibility.PRIVATE || isOwner(paste, caller);
}

/** True when the caller owns the paste (anonymous pastes have no owner). */
export function isOwner(paste: Paste, caller: Principal | undefined): boolean {
  return caller !== undefined && paste.ownerId !== '' && caller.userId === paste.ownerId;
}

/** True once the paste's expiry time has come, whether or not the sweeper has run. */
export function isExpired(paste: Paste, now: number): boolean {
  return paste.expireTime !== undefined && timestampMs(paste.expireTime) <= now;
}

/** NOT_FOUND for a paste that does not exist, or that the caller may not know exists. */
export function pasteNotFound(id: string) {
  return appError(Code.NotFound, Reason.PASTE_NOT_FOUND, `paste ${id} not found`, { field: 'id' });
}

export function pasteExpired(id: string) {
  return appError(Code.NotFound, Reason.PASTE_EXPIRED, `paste ${id} has expired`, { field: 'id' });
}

export function versionNotFound(id: string, version: number, latest: number) {
  return appError(
    Code.NotFound,
    Reason.VERSION_NOT_FOUND,
    `version: paste ${id} has no version ${version} (latest is ${latest})`,
    {
      field: 'version',
    },
  );
}

/**
 * The paste if `caller` may read it now; otherwise the NOT_FOUND that reveals
 * no more than it should (a PRIVATE paste of someone else looks absent).
 */
export function visibleOrThrow(paste: Paste, caller: Principal | undefined, now: number): Paste {
  if (!canSee(paste, caller)) throw pasteNotFound(paste.id);
  if (isExpired(paste, now)) throw pasteExpired(paste.id);
  return paste;
}

/** A copy without the content (shared and cached messages are never mutated). */
export function withoutContent(paste: Paste): Paste {
  if (!paste.contentIncluded && paste.content.length === 0) return paste;
  // Not clone(): that would copy up to a MiB of content only to drop it.
  const { $typeName: _type, content: _content, ...rest } = paste;
  return create(PasteSchema, { ...rest, contentIncluded: false });
}

/**
 * A message as every read but RevealPaste sees it: for a burn-after-read
 * paste, the content and everything derived from it (size, SHA-256) are
 * withheld (`content_concealed`), so nobody learns or guesses it before the
 * one reveal. Any other paste comes back as it is. The one place concealing
 * happens: GetPaste, BatchGetPastes, ListPastes, UpdatePaste and the version
 * lists all go through it. `paste` itself is never changed (cached messages
 * are shared): a concealed paste is a copy.
 */
export function concealed(paste: Paste): Paste;
/** A version of a paste (`burnAfterRead` is the paste's flag), concealed the same way. */
export function concealed(version: PasteVersion, burnAfterRead: boolean): PasteVersion;
export function concealed(message: Paste | PasteVersion, burnAfterRead?: boolean): Paste | PasteVersion {
  if (message.$typeName === PasteVersionSchema.typeName) {
    if (!burnAfterRead || (message.sizeBytes === 0n && message.sha256 === '')) return message;
    const { $typeName: _type, ...fields } = message;
    return create(PasteVersionSchema, { ...fields, sizeBytes: 0n, sha256: '' });
  }
  if (!message.burnAfterRead || message.contentConcealed) return message;
  const { $typeName: _type, content: _content, ...rest } = message;
  return create(PasteSchema, { ...rest, contentIncluded: false, sizeBytes: 0n, sha256: '', contentConcealed: true });
}
