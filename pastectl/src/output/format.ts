import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';

/** "2026-11-23 08:56:58Z", or "-" when unset. */
export function when(t: Timestamp | undefined): string {
  return t
    ? timestampDate(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')
    : '-';
}

/** ISO-8601 for --json, or null when unset. */
export function isoOrNull(t: Timestamp | undefined): string | null {
  return t ? timestampDate(t).toISOString() : null;
}

/** 512 B, 1.5 KiB, 1.0 MiB. */
export function bytes(n: number | bigint): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return (
    all
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** "key: value" lines with aligned values. */
export function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}

/** A bar per value with Unicode blocks, for views per day. */
export function sparkline(values: number[]): string {
  const blocks = '▁▂▃▄▅▆▇█';
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 ? blocks[0] : blocks[Math.min(7, Math.round((v / max) * 7))])).join('');
}

/** Makes text safe for a terminal: control characters (escape sequences) become visible. */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
