// Bulk-loads paste-svc's tables directly (multi-row INSERTs on MySQL, one prepared statement per transaction
// on SQLite). Rows are inserted in primary-key order (pastes by id, contents by SHA-256), so a million rows
// append to the B-trees instead of splitting random pages in a buffer pool far smaller than the table. With an
// object store, the contents go there through paste-svc's own store code and their rows are `store` rows.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { fileStorePath, type ContentStore } from '../paste-svc/src/content/content-store.js';
import { pasteContent, pasteId, sha256Hex } from './data.js';

/**
 * Makes every folder of a file store under `dir` (65,536 of them), as a store in use has them: in a new store
 * nearly every write also makes its object's folder, a cost the first few hundred thousand pastes pay once.
 */
export function makeObjectFolders(dir: string): void {
  for (let i = 0; i < 65_536; i++)
    fs.mkdirSync(path.dirname(fileStorePath(dir, i.toString(16).padStart(4, '0').padEnd(64, '0'))), {
      recursive: true,
    });
}

/** Where paste-svc keeps its tables. */
export type PasteStore = { kind: 'mysql'; url: string } | { kind: 'sqlite'; file: string };

export interface SeedRange {
  from: number;
  to: number;
  /** Id for index i (seeded or expiring range). */
  id?: (i: number) => string;
  /** Owners assigned round-robin (null: anonymous). */
  owners: string[];
  /** epoch ms; row i is created at createdBase + i. */
  createdBase: number;
  expiresAt: number | null;
  /** Content of row i is pasteContent(contentBase + i), so separate ranges never share content. */
  contentBase?: number;
}

const PASTE_COLUMNS = [
  'id',
  'owner_id',
  'visibility',
  'burn_after_read',
  'title',
  'language',
  'size_bytes',
  'sha256',
  'latest_version',
  'delete_token_hash',
  'created_at',
  'updated_at',
  'expires_at',
];
const VERSION_COLUMNS = ['paste_id', 'version', 'title', 'language', 'size_bytes', 'sha256', 'created_at'];
const CONTENT_COLUMNS = ['sha256', 'content', 'size_bytes', 'refs', 'touched_at'];
/** A content row of paste-svc with CONTENT_STORE set (paste-insert.repository.ts): no bytes, `stored_in` store. */
const STORE_CONTENT_COLUMNS = [...CONTENT_COLUMNS, 'stored_in'];
const PUBLIC = 1;
const BATCH = 2_000;
/** Objects written at once to an object store (a file store's writes go through libuv's thread pool). */
const PUTS_IN_FLIGHT = 64;
const NO_BYTES = Buffer.alloc(0);

/** The columns and values of the content row of paste i (hash `sha`) for where its bytes go. */
function contentRow(r: SeedRange, i: number, sha: string, objects: ContentStore | undefined): unknown[] {
  return objects
    ? [sha, NO_BYTES, 1024, 1, r.createdBase, 'store']
    : [sha, pasteContent((r.contentBase ?? 0) + i), 1024, 1, r.createdBase];
}

function pasteRows(r: SeedRange, from: number, to: number, shas: string[]) {
  const pastes: unknown[][] = [];
  const versions: unknown[][] = [];
  const id = r.id ?? ((i: number) => pasteId(i));
  for (let i = from; i < to; i++) {
    const sha = shas[i - r.from]!;
    const created = r.createdBase + i;
    const owner = r.owners.length > 0 ? r.owners[i % r.owners.length]! : null;
    const title = `bench paste ${i}`;
    pastes.push([id(i), owner, PUBLIC, 0, title, 'plaintext', 1024, sha, 1, null, created, created, r.expiresAt]);
    versions.push([id(i), 1, title, 'plaintext', 1024, sha, created]);
  }
  return { pastes, versions };
}

/** SHA-256 of every content in the range, and the indices in hash order. */
function hashes(r: SeedRange): { shas: string[]; order: Uint32Array } {
  const n = r.to - r.from;
  const shas = new Array<string>(n);
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    shas[k] = sha256Hex(pasteContent((r.contentBase ?? 0) + r.from + k));
    keys[k] = parseInt(shas[k]!.slice(0, 12), 16);
  }
  const order = new Uint32Array(n).map((_, k) => k).sort((a, b) => keys[a]! - keys[b]!);
  return { shas, order };
}

/**
 * Inserts pastes [from, to) with one version and distinct 1 KiB content each; with `objects`, the content goes
 * there (as paste-svc with that CONTENT_STORE writes it) and its rows are `store` rows. Returns seconds taken.
 */
export async function seedPastes(
  store: PasteStore,
  r: SeedRange,
  log: (line: string) => void = () => {},
  objects?: ContentStore,
): Promise<number> {
  const started = Date.now();
  const { shas, order } = hashes(r);
  await Promise.all([
    objects ? putObjects(objects, r, shas, log) : undefined,
    store.kind === 'sqlite'
      ? Promise.resolve().then(() => seedSqlite(store.file, r, shas, order, objects))
      : seedMysql(store.url, r, shas, order, log, objects),
  ]);
  return (Date.now() - started) / 1000;
}

/** Writes the content of every paste of the range to `objects`, PUTS_IN_FLIGHT at a time. */
async function putObjects(
  objects: ContentStore,
  r: SeedRange,
  shas: string[],
  log: (line: string) => void,
): Promise<void> {
  const n = r.to - r.from;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(PUTS_IN_FLIGHT, n) }, async () => {
      for (let k = next++; k < n; k = next++) {
        await objects.put(shas[k]!, pasteContent((r.contentBase ?? 0) + r.from + k));
        if ((k + 1) % 100_000 === 0)
          log(
            `  wrote ${k + 1} of ${n} objects to ${objects.name} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
          );
      }
    }),
  );
}

async function seedMysql(
  url: string,
  r: SeedRange,
  shas: string[],
  order: Uint32Array,
  log: (line: string) => void,
  objects: ContentStore | undefined,
): Promise<void> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 2, multipleStatements: false });
  const n = r.to - r.from;
  try {
    const insert = (table: string, cols: string[], rows: unknown[][]) =>
      pool.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ?`, [rows]);
    // Two streams in parallel: pastes + versions by id, contents by hash.
    const metadata = (async () => {
      for (let i = r.from; i < r.to; i += BATCH) {
        const { pastes, versions } = pasteRows(r, i, Math.min(r.to, i + BATCH), shas);
        await insert('pastes', PASTE_COLUMNS, pastes);
        await insert('paste_versions', VERSION_COLUMNS, versions);
        if ((i - r.from) % 100_000 === 0 && i > r.from) log(`  seeded ${i - r.from} of ${n} pastes`);
      }
    })();
    const contents = (async () => {
      for (let k = 0; k < n; k += BATCH) {
        const rows: unknown[][] = [];
        for (let j = k; j < Math.min(n, k + BATCH); j++) {
          const idx = order[j]!;
          rows.push(contentRow(r, r.from + idx, shas[idx]!, objects));
        }
        await insert('paste_contents', objects ? STORE_CONTENT_COLUMNS : CONTENT_COLUMNS, rows);
      }
    })();
    await Promise.all([metadata, contents]);
  } finally {
    await pool.end();
  }
}

function seedSqlite(
  file: string,
  r: SeedRange,
  shas: string[],
  order: Uint32Array,
  objects: ContentStore | undefined,
): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  try {
    const stmt = (table: string, cols: string[]) =>
      db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const p = stmt('pastes', PASTE_COLUMNS);
    const v = stmt('paste_versions', VERSION_COLUMNS);
    const c = stmt('paste_contents', objects ? STORE_CONTENT_COLUMNS : CONTENT_COLUMNS);
    const n = r.to - r.from;
    for (let i = r.from; i < r.to; i += BATCH) {
      const to = Math.min(r.to, i + BATCH);
      const { pastes, versions } = pasteRows(r, i, to, shas);
      db.transaction(() => {
        for (const row of pastes) p.run(...row);
        for (const row of versions) v.run(...row);
        for (let j = i - r.from; j < to - r.from && j < n; j++) {
          const idx = order[j]!;
          c.run(...contentRow(r, r.from + idx, shas[idx]!, objects));
        }
      })();
    }
  } finally {
    db.close();
  }
}

/** Pastes whose expiry has passed and are still stored (the sweeper's backlog). */
export async function countExpired(store: PasteStore, now: number): Promise<number> {
  if (store.kind === 'sqlite') {
    const db = new Database(store.file, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM pastes WHERE expires_at <= ?').get(now) as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const conn = await mysql.createConnection({ uri: store.url });
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM pastes WHERE expires_at <= ?', [now]);
    return Number((rows as { n: number }[])[0]!.n);
  } finally {
    await conn.end();
  }
}

/** Drops and recreates the benchmark's MySQL databases. */
export async function resetMysqlDatabases(serverUrl: string, names: string[], drop = false): Promise<void> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    for (const name of names) {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      if (!drop) await conn.query(`CREATE DATABASE \`${name}\``);
    }
  } finally {
    await conn.end();
  }
}
