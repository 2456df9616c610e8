import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Hex SHA-256: how refresh tokens and API keys are stored (they are random, so no salt or slow hash is needed). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** An opaque refresh token: 256 random bits, base64url. */
export function randomRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * `length` base62 characters from the CSPRNG (rejection sampling keeps them
 * uniform); base62 so a key selects with one double-click.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
