import { invalidArgument } from '@pastemesh/kit/rpc';
import type { ListCursor } from './paste.repository.js';
import { PASTE_ID_PATTERN } from './paste-id.js';

/**
 * Page tokens are opaque to callers: base64url JSON of the last row's
 * (created_at, id) and the listing they belong to, so a token from one
 * user's listing cannot be replayed against another.
 */
export function encodePageToken(cursor: ListCursor, listing: string): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAt, i: cursor.id, l: listing })).toString('base64url');
}

/** The cursor in `token` (undefined for the first page); INVALID_ARGUMENT if it is not one of ours. */
export function decodePageToken(token: string, listing: string): ListCursor | undefined {
  if (token === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const p = parsed as { t?: unknown; i?: unknown; l?: unknown } | undefined;
  if (!p || !Number.isSafeInteger(p.t) || typeof p.i !== 'string' || !PASTE_ID_PATTERN.test(p.i) || p.l !== listing) {
    throw invalidArgument('page_token', 'page_token: not a token from the previous page of this listing');
  }
  return { createdAt: p.t as number, id: p.i };
}
