import { createHash, timingSafeEqual } from 'node:crypto';
// The kit's pool of CSPRNG bytes: a getrandom call per create was 3% of paste-svc's busy time on batched creates.
import { randomPooled } from '@pastemesh/kit/observability';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Paste ids are 11 base62 characters: 62^11 ≈ 2^65.5, so at least 64 random bits. */
export const PASTE_ID_LENGTH = 11;
export const PASTE_ID_PATTERN = /^[0-9A-Za-z]{11}$/;

/**
 * A new paste id from the system CSPRNG. Rejection sampling (bytes ≥ 248 are
 * dropped) keeps every character uniform; a plain `% 62` would not be.
 */
export function newPasteId(): string {
  let id = '';
  while (id.length < PASTE_ID_LENGTH) {
    for (const byte of randomPooled(16)) {
      if (byte < 248 && id.length < PASTE_ID_LENGTH) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

/**
 * A delete token for an anonymous paste: `dt_` and 256 random bits, URL-safe. The prefix keeps a token from
 * starting with `-` (1 in 64 base64url strings do), which command-line parsers read as a flag:
 * `pastectl paste delete ID --delete-token "$TOKEN"` failed as a usage error for those.
 */
export function newDeleteToken(): string {
  return `dt_${randomPooled(32).toString('base64url')}`;
}

/** Tokens are high-entropy, so a plain SHA-256 is a safe way to store them. */
export function hashDeleteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function deleteTokenMatches(token: string, storedHash: string | null): boolean {
  if (!storedHash || token.length === 0) return false;
  const a = Buffer.from(hashDeleteToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** SHA-256 of content, lower-case hex: the content's address. */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
