// MariaDB's InnoDB buffer pool during the large phases: sized to hold the paste tables (`fitBufferPool`, as the
// README tells operators) or held at a fixed size smaller than them (`capBufferPool`, content in an object
// store), read into once either way, and set back afterwards; plus the counters that say whether reads went to
// the disk (`innodbReads`) and the tables' sizes (`tableSizes`).
import mysql from 'mysql2/promise';

export const MiB = 1048576;

/** One table's size (InnoDB's own figures, after ANALYZE TABLE). */
export interface TableSize {
  table: string;
  dataMiB: number;
  indexMiB: number;
}

/**
 * What `fitBufferPool` or `capBufferPool` found and did (a DB read goes to disk for whatever of the tables it
 * touches the pool cannot hold); `restore` sets the pool back to what the server had.
 */
export interface PoolFit {
  serverMiB: number;
  tablesMiB: number;
  /** Each table of the database, data and indexes. */
  tables: TableSize[];
  /** The pool during the phase (the server's own when it already held the tables). */
  phaseMiB: number;
  /** Seconds spent reading the tables into the pool (unset when it only measured: `resize` false). */
  warmS?: number;
  restore(): Promise<void>;
}

/** The pool's size now, in bytes. */
async function poolBytes(conn: mysql.Connection): Promise<number> {
  const [rows] = await conn.query('SELECT @@innodb_buffer_pool_size AS size');
  return Number((rows as { size: number | string }[])[0]!.size);
}

/** Sets the pool and waits until InnoDB has finished resizing it (MariaDB resizes online, in the background). */
async function setBufferPool(conn: mysql.Connection, bytes: number): Promise<void> {
  await conn.query('SET GLOBAL innodb_buffer_pool_size = ?', [bytes]);
  for (let i = 0; i < 600; i++) {
    const [status] = await conn.query("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'");
    const text = String((status as { Value: string }[])[0]?.Value ?? '');
    // The status is empty, or "Completed resizing buffer pool at …", once a resize has finished.
    if ((await poolBytes(conn)) === bytes && (text === '' || /^completed/i.test(text))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`InnoDB did not finish resizing its buffer pool to ${bytes / MiB} MiB within 60 s`);
}

/**
 * Reads every index of every table of `database` once, so the pool holds them as it would on a server that has
 * been serving them (a pool resized a moment ago is empty, and the first seconds of reads would be disk reads).
 * Secondary indexes first, primary keys last, and last of all the primary keys of `last` (in that order): in a
 * pool smaller than the tables, what was read last stays, and a read by id goes through primary keys only. For that, innodb_old_blocks_time is 0 while it reads (set back
 * after): at its default (1 s) a page a scan reads stays in the pool's old sublist (3/8 of it) and only that
 * much of what the scans read stays, while the young 5/8 keep whatever a bulk load left there (at 1M pastes in
 * 512 MiB, the first 1M DB reads were 0.6 disk reads each).
 */
async function readIntoPool(conn: mysql.Connection, database: string, last: string[] = []): Promise<number> {
  const started = performance.now();
  const [found] = await conn.query(
    "SELECT DISTINCT table_name AS t, index_name AS i FROM information_schema.statistics WHERE table_schema = ? ORDER BY index_name = 'PRIMARY', table_name, index_name",
    [database],
  );
  const rank = ({ t, i }: { t: string; i: string }) => (i === 'PRIMARY' ? 1 + last.indexOf(t) + 1 : 0);
  const indexes = (found as { t: string; i: string }[]).sort((a, b) => rank(a) - rank(b));
  const [old] = await conn.query('SELECT @@innodb_old_blocks_time AS ms');
  await conn.query('SET GLOBAL innodb_old_blocks_time = 0');
  try {
    for (const { t, i } of indexes) {
      await conn.query(
        `SELECT COUNT(*) FROM ${conn.escapeId(database)}.${conn.escapeId(t)} FORCE INDEX (${conn.escapeId(i)})`,
      );
    }
  } finally {
    await conn.query('SET GLOBAL innodb_old_blocks_time = ?', [Number((old as { ms: number | string }[])[0]!.ms)]);
  }
  return (performance.now() - started) / 1000;
}

/**
 * The pool's size and each table of `database` but kysely's migration records (statistics refreshed first: a
 * bulk load leaves them behind).
 */
async function poolAndTables(conn: mysql.Connection, database: string): Promise<{ pool: number; tables: TableSize[] }> {
  const [names] = await conn.query(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely\\_%'",
    [database],
  );
  for (const { t } of names as { t: string }[])
    await conn.query(`ANALYZE TABLE ${conn.escapeId(database)}.${conn.escapeId(t)}`);
  const [rows] = await conn.query(
    "SELECT table_name AS t, data_length AS d, index_length AS i FROM information_schema.tables WHERE table_schema = ? AND table_name NOT LIKE 'kysely\\_%' ORDER BY table_name",
    [database],
  );
  return {
    pool: await poolBytes(conn),
    tables: (rows as { t: string; d: number | string; i: number | string }[]).map((r) => ({
      table: r.t,
      dataMiB: Number(r.d) / MiB,
      indexMiB: Number(r.i) / MiB,
    })),
  };
}

const totalMiB = (tables: TableSize[]) => tables.reduce((sum, t) => sum + t.dataMiB + t.indexMiB, 0);

/** Sets the pool back to `bytes` on a connection of its own. */
const restorer = (serverUrl: string, bytes: number) => async () => {
  const c = await mysql.createConnection({ uri: serverUrl });
  try {
    await setBufferPool(c, bytes);
  } finally {
    await c.end();
  }
};

/**
 * Grows the pool to at least `bytes` (never shrinks it) for a phase whose tables grow as it runs, such as the
 * create windows; resolves with the server's own size and the function that sets it back.
 */
export async function growBufferPool(
  serverUrl: string,
  bytes: number,
): Promise<{ serverMiB: number; phaseMiB: number; restore(): Promise<void> }> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const server = await poolBytes(conn);
    if (server >= bytes) return { serverMiB: server / MiB, phaseMiB: server / MiB, restore: async () => {} };
    await setBufferPool(conn, bytes);
    return { serverMiB: server / MiB, phaseMiB: bytes / MiB, restore: restorer(serverUrl, server) };
  } finally {
    await conn.end();
  }
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
    const { pool: server, tables } = await poolAndTables(conn, database);
    const tablesMiB = totalMiB(tables);
    const wanted = Math.ceil((tablesMiB * MiB * 1.25) / (128 * MiB)) * 128 * MiB;
    const fit = { serverMiB: server / MiB, tablesMiB, tables, phaseMiB: server / MiB, restore: async () => {} };
    if (!resize) return fit;
    if (wanted <= server) return { ...fit, warmS: await readIntoPool(conn, database) };
    const restore = restorer(serverUrl, server);
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

/**
 * Holds the pool at `bytes` whatever the tables need (larger or smaller than the server's own) and reads
 * `database` into it, the primary keys of `last` last. `serverBytes`: the server's own size, when an earlier
 * call already changed it (to hold the same size again after a load, read afresh); `restore` sets the pool
 * back to it.
 */
export async function capBufferPool(
  serverUrl: string,
  database: string,
  bytes: number,
  { serverBytes, last }: { serverBytes?: number; last?: string[] } = {},
): Promise<PoolFit> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const { pool, tables } = await poolAndTables(conn, database);
    const server = serverBytes ?? pool;
    const restore = restorer(serverUrl, server);
    try {
      if (pool !== bytes) await setBufferPool(conn, bytes);
      const warmS = await readIntoPool(conn, database, last);
      return { serverMiB: server / MiB, tablesMiB: totalMiB(tables), tables, phaseMiB: bytes / MiB, warmS, restore };
    } catch (err) {
      await restore();
      throw err;
    }
  } finally {
    await conn.end();
  }
}

/** InnoDB's page reads so far: `disk` from disk into the pool (Innodb_buffer_pool_reads), `logical` in all. */
export async function innodbReads(serverUrl: string): Promise<{ disk: number; logical: number }> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const [rows] = await conn.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_read%'");
    const value = (name: string) =>
      Number((rows as { Variable_name: string; Value: string }[]).find((r) => r.Variable_name === name)?.Value);
    return { disk: value('Innodb_buffer_pool_reads'), logical: value('Innodb_buffer_pool_read_requests') };
  } finally {
    await conn.end();
  }
}
