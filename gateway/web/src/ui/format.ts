// Formatting helpers with no DOM, so they run (and are tested) under Node too.

/** Human-readable byte size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "in 3 days", "5 minutes ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86_400_000],
    ['month', 30 * 86_400_000],
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(Math.round(diff / 1000), 'second');
}

/** "expires in 3 days" / "never expires". */
export function expiryText(expiresAt: string | null, now = Date.now()): string {
  if (!expiresAt) return 'never expires';
  const t = new Date(expiresAt).getTime();
  return t <= now ? 'expired' : `expires ${relativeTime(expiresAt, now)}`;
}

/** UTF-8 size of a string, as the server counts it. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
