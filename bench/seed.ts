// Bulk-loads paste-svc's tables directly (multi-row INSERTs on MySQL, one prepared statement per transaction
// on SQLite). Rows are inserted in primary-key order (pastes by id, contents by SHA-256), so a million rows
// append to the B-trees instead of splitting random pages in a buffer pool far smaller than the table.
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { pasteContent, pasteId, sha256Hex } from './data.js';

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
const PUBLIC = 1;
const BATCH = 2_000;

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

/** Inserts pastes [from, to) with one version and distinct 1 KiB content each. Returns seconds taken. */
export async function seedPastes(
  store: PasteStore,
  r: SeedRange,
  log: (line: string) => void = () => {},
): Promise<number> {
  const started = Date.now();
  const { shas, order } = hashes(r);
  if (store.kind === 'sqlite') seedSqlite(store.file, r, shas, order);
  else await seedMysql(store.url, r, shas, order, log);
  return (Date.now() - started) / 1000;
}

async function seedMysql(
  url: string,
  r: SeedRange,
  shas: string[],
  order: Uint32Array,
  log: (line: string) => void,
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
          rows.push([shas[idx], pasteContent((r.contentBase ?? 0) + r.from + idx), 1024, 1, r.createdBase]);
        }
        await insert('paste_contents', CONTENT_COLUMNS, rows);
      }
    })();
    await Promise.all([metadata, contents]);
  } finally {
    await pool.end();
  }
}

function seedSqlite(file: string, r: SeedRange, shas: string[], order: Uint32Array): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  try {
    const stmt = (table: string, cols: string[]) =>
      db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const p = stmt('pastes', PASTE_COLUMNS);
    const v = stmt('paste_versions', VERSION_COLUMNS);
    const c = stmt('paste_contents', CONTENT_COLUMNS);
    const n = r.to - r.from;
    for (let i = r.from; i < r.to; i += BATCH) {
      const to = Math.min(r.to, i + BATCH);
      const { pastes, versions } = pasteRows(r, i, to, shas);
      db.transaction(() => {
        for (const row of pastes) p.run(...row);
        for (const row of versions) v.run(...row);
        for (let j = i - r.from; j < to - r.from && j < n; j++) {
          const idx = order[j]!;
          c.run(shas[idx], pasteContent((r.contentBase ?? 0) + r.from + idx), 1024, 1, r.createdBase);
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

const MiB = 1048576;

/**
 * What `fitBufferPool` found and did (the 1M DB read goes to disk for whatever of the tables the pool cannot
 * hold); `restore` sets the pool back to what the server had.
 */
export interface PoolFit {
  serverMiB: number;
  tablesMiB: number;
  /** The pool during the phase (the server's own when it already held the tables). */
  phaseMiB: number;
  /** Seconds spent reading the tables into the pool (unset when it only measured: `resize` false). */
  warmS?: number;
  restore(): Promise<void>;
}

/** Sets the pool and waits until InnoDB has finished resizing it (MariaDB resizes online, in the background). */
async function setBufferPool(conn: mysql.Connection, bytes: number): Promise<void> {
  await conn.query('SET GLOBAL innodb_buffer_pool_size = ?', [bytes]);
  for (let i = 0; i < 600; i++) {
    const [status] = await conn.query("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'");
    const text = String((status as { Value: string }[])[0]?.Value ?? '');
    const [size] = await conn.query('SELECT @@innodb_buffer_pool_size AS size');
    // The status is empty, or "Completed resizing buffer pool at …", once a resize has finished.
    if (Number((size as { size: number | string }[])[0]!.size) === bytes && (text === '' || /^completed/i.test(text)))
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`InnoDB did not finish resizing its buffer pool to ${bytes / MiB} MiB within 60 s`);
}

/**
 * Reads every index of every table of `database` once, so the pool holds them as it would on a server that has
 * been serving them (a pool resized a moment ago is empty, and the first seconds of reads would be disk reads).
 */
async function readIntoPool(conn: mysql.Connection, database: string): Promise<number> {
  const started = performance.now();
  const [indexes] = await conn.query(
    'SELECT DISTINCT table_name AS t, index_name AS i FROM information_schema.statistics WHERE table_schema = ?',
    [database],
  );
  for (const { t, i } of indexes as { t: string; i: string }[]) {
    await conn.query(
      `SELECT COUNT(*) FROM ${conn.escapeId(database)}.${conn.escapeId(t)} FORCE INDEX (${conn.escapeId(i)})`,
    );
  }
  return (performance.now() - started) / 1000;
}

/**
 * Sizes the InnoDB buffer pool to hold `database` (data and indexes, plus a quarter), as the README tells an
 * operator to: at the server's default 128 MiB a random read of 1M pastes (~1.9 GB) is a disk read, which
 * measures the disk rather than paste-svc. Never shrinks the pool; then reads the tables into it. With `resize`
 * false it only measures.
 */
export async function fitBufferPool(serverUrl: string, database: string, resize = true): Promise<PoolFit> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const [rows] = await conn.query(
      'SELECT @@innodb_buffer_pool_size AS pool, COALESCE(SUM(data_length + index_length), 0) AS tables FROM information_schema.tables WHERE table_schema = ?',
      [database],
    );
    const row = (rows as { pool: number | string; tables: number | string }[])[0]!;
    const server = Number(row.pool);
    const tables = Number(row.tables);
    const wanted = Math.ceil((tables * 1.25) / (128 * MiB)) * 128 * MiB;
    const fit = { serverMiB: server / MiB, tablesMiB: tables / MiB, phaseMiB: server / MiB, restore: async () => {} };
    if (!resize) return fit;
    if (wanted <= server) return { ...fit, warmS: await readIntoPool(conn, database) };
    const restore = async () => {
      const c = await mysql.createConnection({ uri: serverUrl });
      try {
        await setBufferPool(c, server);
      } finally {
        await c.end();
      }
    };
    await setBufferPool(conn, wanted);
    try {
      return { ...fit, phaseMiB: wanted / MiB, warmS: await readIntoPool(conn, database), restore };
    } catch (err) {
      await restore();
      throw err;
    }
  } finally {
    await conn.end();
  }
}
