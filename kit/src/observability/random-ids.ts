import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from the system CSPRNG taken in 4 KiB draws: one getrandom call per ~170 trace ids (or ~85 paste
 * ids and delete tokens) instead of one or two per request. Each byte is handed out once.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** Where the next `bytes` unused bytes of the pool start (refilled when too few are left). */
function take(bytes: number): number {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

/** `bytes` random bytes (at most 4 KiB), copied out of the pool: a later refill rewrites the pool. */
export function randomPooled(bytes: number): Buffer {
  const at = take(bytes);
  return Buffer.from(pool.subarray(at, at + bytes));
}

/** `bytes` random bytes as lower-case hex (trace ids are 16, span ids 8), never all zero (W3C calls that invalid). */
export function randomHex(bytes: number): string {
  const at = take(bytes);
  const hex = pool.toString('hex', at, at + bytes);
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}
