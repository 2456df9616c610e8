// The mesh as real processes: every replica of every service is `node --import tsx <svc>/src/main.ts`,
// so faults are real signals (SIGTERM runs the service's own shutdown, SIGKILL gives it none) and
// memory is one process's RSS. Storage is a fresh MariaDB database per service on the real server and
// the real Redis (a database index of the scenario's own, so buffer lists and limits never mix with
// other suites). Routing hooks put fault proxies between callers and a dependency.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENEROUS_TEST_LIMITS, REDIS_TEST_URL, createTestStorage, freePortsBelowEphemeral, type TestStorage } from '@pastemesh/kit/testing';

export type MeshService = 'auth' | 'paste' | 'analytics' | 'gateway';
export type GrpcService = Exclude<MeshService, 'gateway'>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ENTRY: Record<MeshService, string> = {
  auth: 'auth-svc/src/main.ts',
  paste: 'paste-svc/src/main.ts',
  analytics: 'analytics-svc/src/main.ts',
  gateway: 'gateway/src/main.ts',
};
const PORT_VARS: Record<MeshService, Record<string, string>> = {
  auth: { grpc: 'GRPC_PORT', connect: 'CONNECT_PORT', admin: 'ADMIN_PORT' },
  paste: { grpc: 'GRPC_PORT', connect: 'CONNECT_PORT', admin: 'ADMIN_PORT' },
  analytics: { grpc: 'GRPC_PORT', connect: 'CONNECT_PORT', admin: 'ADMIN_PORT' },
  gateway: { http: 'HTTP_PORT', admin: 'ADMIN_PORT' },
};

export interface MeshOptions {
  /** Names the databases (fault_<label>_<svc>). */
  label: string;
  /** Replicas of each service, the gateway included. Default 1. */
  replicas?: number;
  /** Redis database index (1–15) used by every process of this mesh. */
  redisDb: number;
  /** Extra variables per service. */
  env?: Partial<Record<MeshService, Record<string, string>>>;
  /** Rewrites the MYSQL_URL services get (e.g. through a fault proxy). */
  mysqlUrl?: (url: string) => string;
  /** Rewrites the REDIS_URL every process gets. */
  redisUrl?: (url: string) => string;
  /** Rewrites the gRPC address callers use for a service (the comma-separated replica list). */
  peer?: (service: GrpcService, address: string) => string | Promise<string>;
}

/** One process of the mesh. */
export interface Replica {
  service: MeshService;
  index: number;
  /** Bound ports (fixed after the first start, so restarts come back where they were). */
  ports: Record<string, number>;
  pid: number | undefined;
  /** The last lines the process wrote (JSON logs), for failure messages. */
  log: string[];
}

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit. */
  ms: number;
}

export interface Mesh {
  /** Gateway base URLs, one per replica. */
  gatewayUrls: string[];
  /** The address callers use for a service (after the `peer` hook). */
  grpc: Record<GrpcService, string>;
  /** Direct addresses of each replica's gRPC port. */
  replicaGrpc(service: GrpcService): string[];
  replica(service: MeshService, index?: number): Replica;
  adminUrl(service: MeshService, index?: number): string;
  /** The MySQL URL (direct, not through any proxy) of a service's database. */
  mysqlUrl(service: GrpcService): string;
  /** Sends `signal` and waits for the process to exit. */
  signal(service: MeshService, index: number, signal: NodeJS.Signals): Promise<Exit>;
  /** Starts a stopped replica again on its ports and waits until it listens. */
  restart(service: MeshService, index: number): Promise<void>;
  /** Open TCP connections to a replica's gRPC port, per process of this mesh (Linux `ss`). */
  connectionsTo(service: GrpcService, index: number): Map<number, number>;
  /** Resident memory of a replica's process, in bytes (0 once it has exited). */
  rssBytes(service: MeshService, index?: number): number;
  /** The tail of a replica's log, for failure messages. */
  logTail(service: MeshService, index?: number, lines?: number): string;
  stop(): Promise<void>;
}

interface Proc extends Replica {
  env: Record<string, string>;
  child: ChildProcess | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
}

const live = new Set<ChildProcess>();
// A crashed test run must not leave services behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A fresh Ed25519 key every auth-svc replica signs with (replicas must share it). */
function sharedSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function redisUrlFor(db: number): string {
  const url = new URL(REDIS_TEST_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

function spawnReplica(proc: Proc): Promise<void> {
  const portEnv = Object.fromEntries(Object.entries(PORT_VARS[proc.service]).map(([name, variable]) => [variable, String(proc.ports[name] ?? 0)]));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, ENTRY[proc.service])], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TMPDIR: process.env['TMPDIR'] ?? '/tmp', ...proc.env, ...portEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  proc.child = child;
  proc.pid = child.pid;
  proc.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${proc.service}[${proc.index}] did not start in 60 s:\n${proc.log.slice(-20).join('\n')}`)), 60_000);
    const onLine = (line: string) => {
      proc.log.push(line);
      if (proc.log.length > 400) proc.log.splice(0, proc.log.length - 400);
      if (!line.includes('listening') || !line.includes('"ports"')) return;
      try {
        proc.ports = { ...(JSON.parse(line) as { ports: Record<string, number> }).ports };
        clearTimeout(timer);
        resolve();
      } catch {
        // not the start-up line
      }
    };
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line) onLine(line);
    });
    child.stderr!.on('data', (data: Buffer) => proc.log.push(...data.toString().split('\n').filter(Boolean)));
    void proc.exited!.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${proc.service}[${proc.index}] exited (${code ?? signal}) before listening:\n${proc.log.slice(-20).join('\n')}`));
    });
  });
}

/** Waits until an admin port's /readyz answers 200 (dependencies reachable). */
async function waitReady(adminUrl: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(`${adminUrl}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${adminUrl}/readyz did not answer 200 within ${timeoutMs} ms`);
}

/**
 * Each jest worker draws the mesh's ports from its own band: a replica that is down for a restart leaves its
 * port free, and another worker's mesh once took it in that moment (EADDRINUSE on the restart).
 */
const PORT_BAND = { from: 20_000 + ((Number(process.env['JEST_WORKER_ID'] ?? 1) - 1) % 4) * 3_000, size: 3_000 };

/**
 * Starts auth-svc, analytics-svc, paste-svc and the gateway, `replicas` of each, all at once: ports
 * are chosen up front so every process knows its peers (they connect lazily, as in a cluster).
 */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const replicas = options.replicas ?? 1;
  const storages = {} as Record<GrpcService, TestStorage>;
  const procs = {} as Record<MeshService, Proc[]>;
  const grpc = {} as Record<GrpcService, string>;
  const redisUrl = (options.redisUrl ?? ((u) => u))(redisUrlFor(options.redisDb));
  const common = { HOST: '127.0.0.1', LOG_LEVEL: 'info', REDIS_URL: redisUrl, JWT_PRIVATE_KEY: sharedSigningKey() };
  const services: MeshService[] = ['auth', 'analytics', 'paste', 'gateway'];

  const free = await freePortsBelowEphemeral(services.reduce((n, s) => n + Object.keys(PORT_VARS[s]).length * replicas, 0), PORT_BAND);
  for (const service of services) {
    procs[service] = Array.from({ length: replicas }, (_, index) => ({
      service,
      index,
      ports: Object.fromEntries(Object.keys(PORT_VARS[service]).map((name) => [name, free.pop()!])),
      pid: undefined,
      log: [],
      env: {},
      child: undefined,
      exited: undefined,
    }));
  }
  for (const service of ['auth', 'analytics', 'paste'] as const) {
    const direct = procs[service].map((p) => `127.0.0.1:${p.ports['grpc']}`).join(',');
    grpc[service] = options.peer ? await options.peer(service, direct) : direct;
  }
  const peers = {
    AUTH_SVC_URL: grpc.auth,
    AUTH_JWKS_URL: `http://127.0.0.1:${procs.auth[0]!.ports['admin']}/.well-known/jwks.json`,
    ANALYTICS_SVC_URL: grpc.analytics,
    PASTE_SVC_URL: grpc.paste,
  };
  const storageEnv = async (service: GrpcService) => {
    const storage = await createTestStorage('mysql', `fault_${options.label}_${service}`);
    storages[service] = storage;
    return { MYSQL_URL: (options.mysqlUrl ?? ((u) => u))(storage.mysqlUrl!), DATA_DIR: storage.dataDir };
  };
  const [auth, analytics, paste] = await Promise.all([storageEnv('auth'), storageEnv('analytics'), storageEnv('paste')]);
  const envs: Record<MeshService, Record<string, string>> = { auth, analytics, paste, gateway: {} };
  for (const service of services) {
    for (const proc of procs[service]) proc.env = { ...common, ...peers, ...GENEROUS_TEST_LIMITS[service], ...envs[service], ...options.env?.[service] };
  }

  const mesh: Mesh = {
    gatewayUrls: [],
    grpc,
    replicaGrpc: (service) => procs[service].map((p) => `127.0.0.1:${p.ports['grpc']}`),
    replica: (service, index = 0) => procs[service][index]!,
    adminUrl: (service, index = 0) => `http://127.0.0.1:${procs[service][index]!.ports['admin']}`,
    mysqlUrl: (service) => storages[service].mysqlUrl!,
    async signal(service, index, signal) {
      const proc = procs[service][index]!;
      const started = Date.now();
      proc.child?.kill(signal);
      const exit = await proc.exited!;
      proc.child = undefined;
      proc.pid = undefined;
      return { ...exit, ms: Date.now() - started };
    },
    async restart(service, index) {
      await spawnReplica(procs[service][index]!);
    },
    connectionsTo(service, index) {
      const port = procs[service][index]!.ports['grpc'];
      const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dport', '=', `:${port}`], { encoding: 'utf8' });
      const ours = new Set(Object.values(procs).flatMap((list) => list.map((p) => p.pid)));
      const counts = new Map<number, number>();
      for (const m of out.matchAll(/pid=(\d+)/g)) {
        const pid = Number(m[1]);
        if (ours.has(pid)) counts.set(pid, (counts.get(pid) ?? 0) + 1);
      }
      return counts;
    },
    rssBytes(service, index = 0) {
      const pid = procs[service][index]!.pid;
      let status = '';
      try {
        status = pid ? fs.readFileSync(`/proc/${pid}/status`, 'utf8') : '';
      } catch {
        // the process is gone: 0 says so
      }
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    logTail: (service, index = 0, lines = 30) => procs[service][index]!.log.slice(-lines).join('\n'),
    async stop() {
      for (const service of ['gateway', 'paste', 'analytics', 'auth'] as const) {
        await Promise.all(
          (procs[service] ?? []).map(async (proc) => {
            if (!proc.child) return;
            const force = setTimeout(() => proc.child?.kill('SIGKILL'), 15_000);
            proc.child.kill('SIGTERM');
            await proc.exited;
            clearTimeout(force);
            proc.child = undefined;
          }),
        );
      }
      for (const storage of Object.values(storages)) await storage.cleanup().catch(() => {});
    },
  };

  try {
    // auth-svc first: the others fetch its JWKS as they start (as a rollout orders dependencies).
    await Promise.all(procs.auth.map(spawnReplica));
    await Promise.all(services.filter((s) => s !== 'auth').flatMap((service) => procs[service].map(spawnReplica)));
    mesh.gatewayUrls = procs.gateway.map((p) => `http://127.0.0.1:${p.ports['http']}`);
    await Promise.all(services.flatMap((service) => procs[service].map((p) => waitReady(`http://127.0.0.1:${p.ports['admin']}`))));
  } catch (err) {
    await mesh.stop();
    throw err;
  }
  return mesh;
}
