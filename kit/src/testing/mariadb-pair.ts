// A MariaDB primary and a GTID replica of it, as child processes of the test, on their own data and ports.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { freePortsBelowEphemeral } from './ports.js';

const run = promisify(execFile);

/** Where Debian's mariadb-server package puts the server; override with MARIADBD. */
export const MARIADBD = process.env['MARIADBD'] ?? '/usr/sbin/mariadbd';
const INSTALL_HINT =
  'install MariaDB 10.11 with: apt-get install mariadb-server (the pair runs servers of its own; the machine’s need not run)';

/** Options of startMariadbPair. */
export interface MariadbPairOptions {
  /** The server binary (default MARIADBD); its mariadb-install-db is looked for beside it and on PATH. */
  mariadbd?: string;
  /** Names the temp directory, for finding it while a test runs. */
  label?: string;
}

/** One server of the pair. */
export interface MariadbServer {
  port: number;
  /** `mysql://root@127.0.0.1:<port>/` (root, no password, TCP only). */
  url: string;
  dataDir: string;
  /** Runs one statement, for setting up and checking. */
  query<T = RowDataPacket[]>(statement: string, params?: unknown[]): Promise<T>;
}

/** A primary with binary logs and a read-only replica following it by GTID. */
export interface MariadbPair {
  primary: MariadbServer;
  replica: MariadbServer;
  /** How long the start took, in ms (install, both servers, replication running). */
  startMs: number;
  /**
   * Stops applying replicated changes (STOP SLAVE SQL_THREAD): they keep arriving in the relay log but the
   * replica's data stands still, so a test makes lag exactly when it wants it.
   */
  pauseReplication(): Promise<void>;
  /** Starts applying again. */
  resumeReplication(): Promise<void>;
  /** Resolves once the replica has applied everything the primary has written so far. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Stops the replica's server (a replica that is down); its data stays for startReplica. */
  stopReplica(): Promise<void>;
  /** Starts the replica's server again; it resumes replicating where it stopped. */
  startReplica(): Promise<void>;
  /** Stops both servers and removes their directories. */
  close(): Promise<void>;
}

interface Server extends MariadbServer {
  name: 'primary' | 'replica';
  args: string[];
  child: ChildProcess | undefined;
  pool: Pool | undefined;
}

const running = new Set<ChildProcess>();
// A test that dies without cleaning up must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a MariaDB primary and a replica of it as children of this process: `mariadb-install-db` into a temp
 * directory (once; the replica starts from a copy), each server with its own datadir, socket, pid file and a
 * free port on 127.0.0.1, root without a password, GTID replication (MASTER_USE_GTID=slave_pos) running
 * before it resolves. Never touches the machine's own server. As root the servers run as `mysql` (mariadbd
 * refuses root), with the directories owned by it. Fails, saying how to install it, when mariadbd is missing.
 */
export async function startMariadbPair(options: MariadbPairOptions = {}): Promise<MariadbPair> {
  const started = Date.now();
  const mariadbd = options.mariadbd ?? MARIADBD;
  if (!fs.existsSync(mariadbd)) throw new Error(`mariadbd not found at ${mariadbd}; ${INSTALL_HINT}`);
  const installDb = [path.join(path.dirname(mariadbd), '..', 'bin', 'mariadb-install-db'), 'mariadb-install-db'].find(
    (p) => !p.includes('/') || fs.existsSync(p),
  )!;
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await userIds('mysql') : undefined;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `pm-mariadb-${options.label ?? 'pair'}-`));
  const servers: Server[] = [];
  try {
    if (owner) fs.chownSync(base, owner.uid, owner.gid);
    const userArgs = asRoot ? ['--user=mysql'] : [];
    // Its own tmpdir: a starting server deletes the #sql temp files it finds there, another bootstrap's too.
    const tmpDir = path.join(base, 'tmp');
    fs.mkdirSync(tmpDir);
    if (owner) fs.chownSync(tmpDir, owner.uid, owner.gid);
    // Small and fast: tests need neither durability nor a big buffer pool.
    const common = [
      `--tmpdir=${tmpDir}`,
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=2',
      '--performance-schema=OFF',
    ];
    const primaryDir = path.join(base, 'primary');
    try {
      await run(installDb, [
        '--no-defaults',
        `--datadir=${primaryDir}`,
        ...userArgs,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...common,
      ]);
    } catch (err) {
      throw new Error(`mariadb-install-db failed (${String(err)}); ${INSTALL_HINT}`);
    }
    const replicaDir = path.join(base, 'replica');
    await run('cp', ['-a', primaryDir, replicaDir]);

    const server = (name: Server['name'], dataDir: string, roleArgs: string[]): Server => {
      const self: Server = {
        name,
        port: 0,
        url: '',
        dataDir,
        args: [
          '--no-defaults',
          ...userArgs,
          `--datadir=${dataDir}`,
          `--socket=${path.join(base, `${name}.sock`)}`,
          `--pid-file=${path.join(base, `${name}.pid`)}`,
          `--log-error=${path.join(base, `${name}.err`)}`,
          '--bind-address=127.0.0.1',
          '--skip-name-resolve',
          ...common,
          ...roleArgs,
        ],
        child: undefined,
        pool: undefined,
        async query<T>(statement: string, params: unknown[] = []) {
          self.pool ??= createPool({ uri: self.url, connectionLimit: 2, connectTimeout: 2_000 });
          const [rows] = await self.pool.query(statement, params);
          return rows as T;
        },
      };
      servers.push(self);
      return self;
    };
    const primary = server('primary', primaryDir, [
      `--log-bin=${path.join(primaryDir, 'binlog')}`,
      '--server-id=1',
      '--binlog-format=ROW',
    ]);
    const replica = server('replica', replicaDir, [
      '--server-id=2',
      '--read-only=1',
      `--relay-log=${path.join(replicaDir, 'relay')}`,
    ]);
    await Promise.all([startServer(mariadbd, base, primary), startServer(mariadbd, base, replica)]);
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await replica.query('START SLAVE');
    let status: RowDataPacket | undefined;
    await waitUntil(
      async () => {
        [status] = await replica.query<RowDataPacket[]>('SHOW SLAVE STATUS');
        return status?.['Slave_IO_Running'] === 'Yes' && status?.['Slave_SQL_Running'] === 'Yes';
      },
      'replication to run',
      () => `${String(status?.['Last_IO_Error'] ?? '')} ${String(status?.['Last_SQL_Error'] ?? '')}`,
    );

    const waitForReplica = async (timeoutMs = 10_000) => {
      const [row] = await primary.query<RowDataPacket[]>('SELECT @@global.gtid_binlog_pos AS pos');
      const [waited] = await replica.query<RowDataPacket[]>('SELECT MASTER_GTID_WAIT(?, ?) AS r', [
        String(row?.['pos'] ?? ''),
        timeoutMs / 1000,
      ]);
      if (Number(waited?.['r']) !== 0)
        throw new Error(`the replica did not reach ${String(row?.['pos'])} within ${timeoutMs} ms`);
    };
    return {
      primary,
      replica,
      startMs: Date.now() - started,
      async pauseReplication() {
        await replica.query('STOP SLAVE SQL_THREAD');
      },
      async resumeReplication() {
        await replica.query('START SLAVE SQL_THREAD');
      },
      waitForReplica,
      stopReplica: () => stopServer(replica),
      async startReplica() {
        await startServer(mariadbd, base, replica, replica.port);
      },
      async close() {
        await Promise.all(servers.map(stopServer));
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(servers.map(stopServer));
    fs.rmSync(base, { recursive: true, force: true });
    throw err;
  }
}

async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`no "${user}" user to run mariadbd as (it refuses root); ${INSTALL_HINT}`);
  }
}

/** Starts one server and waits until it answers; a port taken meanwhile is retried on another (unless pinned). */
async function startServer(mariadbd: string, base: string, server: Server, pinnedPort?: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const [port] = pinnedPort
      ? [pinnedPort]
      : await freePortsBelowEphemeral(1, { from: 14_000 + (server.name === 'primary' ? 0 : 3_000), size: 3_000 });
    server.port = port!;
    server.url = `mysql://root@127.0.0.1:${port}/`;
    const log = path.join(base, `${server.name}.err`);
    const logStart = fs.existsSync(log) ? fs.statSync(log).size : 0;
    const child = spawn(mariadbd, [...server.args, `--port=${port}`], { stdio: 'ignore' });
    running.add(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', () => running.delete(child));
    server.child = child;
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      await waitUntil(async () => {
        if (gone) throw new Error('exited');
        return fs.existsSync(log) && fs.readFileSync(log, 'utf8').slice(logStart).includes('ready for connections');
      }, `${server.name} to start`);
      return;
    } catch {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(logStart).split('\n').slice(-15) : [];
      child.kill('SIGKILL');
      await exited;
      server.child = undefined;
      const portTaken = tail.some((l) => /Address already in use|Can't start server: Bind/.test(l));
      if (!portTaken || pinnedPort || attempt >= 3)
        throw new Error(`MariaDB ${server.name} did not start:\n${tail.join('\n')}`);
    }
  }
}

async function stopServer(server: Server): Promise<void> {
  const pool = server.pool;
  server.pool = undefined;
  await pool?.end().catch(() => {});
  const child = server.child;
  server.child = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(check: () => Promise<boolean>, what: string, why = () => '', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${why()}`.trim());
    await new Promise((r) => setTimeout(r, 25));
  }
}
