/** UTC days as YYYY-MM-DD strings: they sort and compare as text on every engine. */

const DAY_MS = 86_400_000;

/** The UTC day of an epoch-ms instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` moved by `delta` days. */
export function addDays(day: string, delta: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + delta * DAY_MS);
}

/** The `count` days ending with `lastDay`, oldest first. */
export function dayRange(lastDay: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addDays(lastDay, i - count + 1));
}

/** Epoch ms of the start of the retention window: raw events older than this are pruned (and refused). */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number {
  return nowMs - retentionDays * DAY_MS;
}

/** An integer from a SQL aggregate (MySQL returns SUM as a DECIMAL string, big values as strings). */
export function toBigInt(value: unknown): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return BigInt(String(value).split('.')[0]!);
}
