import { randomBytes } from 'node:crypto';

/** Random bytes taken in 4 KiB draws: one randomBytes call per ~170 trace ids instead of two per request. */
let pool = Buffer.alloc(0);
let offset = 0;

/** `bytes` random bytes as lower-case hex (trace ids are 16, span ids 8), never all zero (W3C calls that invalid). */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}
