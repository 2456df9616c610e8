import { sql, type Kysely, type Transaction } from 'kysely';
import type { SqlDialect } from '@pastemesh/kit/storage';

type Row = Record<string, string | number | null>;

/** What to do with each non-key column when the row already exists. */
export type Merge = 'add' | 'max' | 'replace';

/**
 * Multi-row upsert: inserts `rows`, or merges them into existing rows by their
 * primary key (`keys`): counters are added, high-water marks kept with max, the
 * rest replaced. One statement per call on MySQL (ON DUPLICATE KEY UPDATE) and
 * SQLite (ON CONFLICT DO UPDATE).
 */
export async function upsertRows(
  trx: Kysely<any> | Transaction<any>,
  dialect: SqlDialect,
  table: string,
  keys: string[],
  rows: Row[],
  merge: Record<string, Merge>,
): Promise<void> {
  if (rows.length === 0) return;
  // Sorted by key, so concurrent transactions lock rows in the same order (fewer deadlocks).
  const sorted = [...rows].sort((a, b) => compareKeys(a, b, keys));
  const query = trx.insertInto(table).values(sorted);
  if (dialect === 'mysql') {
    const set = Object.fromEntries(
      Object.entries(merge).map(([col, how]) => {
        const current = sql.ref(col);
        const incoming = sql`values(${sql.ref(col)})`;
        if (how === 'add') return [col, sql`${current} + ${incoming}`];
        if (how === 'max') return [col, sql`greatest(${current}, ${incoming})`];
        return [col, incoming];
      }),
    );
    await query.onDuplicateKeyUpdate(set).execute();
    return;
  }
  await query
    .onConflict((oc) =>
      oc.columns(keys).doUpdateSet(
        Object.fromEntries(
          Object.entries(merge).map(([col, how]) => {
            const current = sql.ref(`${table}.${col}`);
            const incoming = sql.ref(`excluded.${col}`);
            if (how === 'add') return [col, sql`${current} + ${incoming}`];
            if (how === 'max') return [col, sql`max(${current}, ${incoming})`];
            return [col, incoming];
          }),
        ),
      ),
    )
    .execute();
}

function compareKeys(a: Row, b: Row, keys: string[]): number {
  for (const k of keys) {
    const x = String(a[k]);
    const y = String(b[k]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
