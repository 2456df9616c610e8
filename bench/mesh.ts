// Starts the mesh as separate processes (the esbuild bundles from `npm run build`), in one of the two
// storage set-ups, plus a second gateway with its hot cache off (reads forced through gRPC).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePorts, ROOT, spawnNode, waitReady, type Proc } from './procs.js';
import { resetMysqlDatabases, type PasteStore } from './seed.js';

export type Mode = 'mysql' | 'embedded';
export const MYSQL_SERVER = process.env['MYSQL_BENCH_URL'] ?? 'mysql://root@127.0.0.1:3306/';
/** Its own Redis database, so keys never meet the test suites' (pub/sub is server-wide, which is harmless). */
export const REDIS_BENCH_URL = process.env['REDIS_BENCH_URL'] ?? 'redis://127.0.0.1:6379/7';
/** The DB-read paste-svc's: in the shared one it would find the entries the other paste-svc keeps for 10 minutes. */
const REDIS_MISS_URL = REDIS_BENCH_URL.replace(/(\/\d*)?$/, '/8');
export const DATABASES = { auth: 'pmbench_auth', paste: 'pmbench_paste', analytics: 'pmbench_analytics' } as const;
const NO_LIMIT = '1000000000';

type Svc = 'auth' | 'analytics' | 'paste' | 'paste-miss';

/**
 * The gateways a scenario can load: `hot` (as deployed), `cold` (HOT_CACHE=false: every read is a gRPC call to
 * paste-svc, answered from its Redis cache) and `miss` (HOT_CACHE=false against a second paste-svc whose cache
 * entries expire after 1 ms: every read misses the cache and reads the database, then fills the cache as a
 * real miss does).
 */
export type GatewayKind = 'hot' | 'cold' | 'miss';
/** The process serving each kind of gateway (its CPU and RSS are reported under this name). */
export const GATEWAY_PROC: Record<GatewayKind, string> = { hot: 'gateway', cold: 'gateway-cold', miss: 'gateway-miss' };

export interface Mesh {
  mode: Mode;
  gateways: Record<GatewayKind, { url: string; admin: string }>;
  /** What each kind of gateway is started with beyond the common settings (for addGateway). */
  gatewayEnv: Record<GatewayKind, Record<string, string>>;
  /** The admin (metrics) address of the paste-svc behind the `miss` gateway. */
  pasteMissAdmin: string;
  store: PasteStore;
  procs(): Proc[];
  /** Starts one more gateway (e.g. an earlier build, for before/after) wired like the others; it is measured and stopped with them. */
  addGateway(name: string, entry: string, extra: Record<string, string>): Promise<{ url: string; admin: string }>;
  /** Restarts paste-svc with extra variables (e.g. the sweeper on), on the same ports. */
  restartPaste(extra: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const bundle = (svc: string) => path.join(ROOT, svc, 'dist', 'main.js');
/** BENCH_CPU_PROF=gateway,paste-svc writes V8 CPU profiles of those processes to bench/results/profiles. */
const PROFILED = new Set((process.env['BENCH_CPU_PROF'] ?? '').split(',').filter(Boolean));
/** Processes bench/alloc.ts samples allocations in (read when a process starts: alloc.ts sets it after imports). */
const heapSampled = (name: string) => (process.env['BENCH_HEAP_SAMPLE'] ?? '').split(',').includes(name);
const nodeArgs = (name: string, entry: string) => [
  ...(PROFILED.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'profiles')}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : []),
  ...(heapSampled(name) ? ['--require', path.join(ROOT, 'bench', 'heap-sampler.cjs')] : []),
  entry,
];

/**
 * The NODE_OPTIONS a process runs with when deployed (its ConfigMap in istio/base/config.yaml), so the
 * bench measures the heap bounds production uses. BENCH_NODE_OPTIONS replaces them ('' for V8's defaults).
 */
function nodeOptions(name: string): Record<string, string> {
  const override = process.env['BENCH_NODE_OPTIONS'];
  if (override !== undefined) return { NODE_OPTIONS: override };
  const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, 'istio', 'base', 'config.yaml'), 'utf8')).map((d) => d.toJS());
  const configMap = docs.find((d) => d?.kind === 'ConfigMap' && d.metadata?.name === `${name.replace(/(-before)?(-cold|-miss)?$/, '')}-config`);
  return { NODE_OPTIONS: String(configMap?.data?.NODE_OPTIONS ?? '') };
}

export async function startMesh(mode: Mode, log: (line: string) => void): Promise<Mesh> {
  for (const svc of ['auth-svc', 'paste-svc', 'analytics-svc', 'gateway']) {
    if (!fs.existsSync(bundle(svc))) throw new Error(`${bundle(svc)} is missing: run npm run build`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pmbench-${mode}-`));
  if (mode === 'mysql') await resetMysqlDatabases(MYSQL_SERVER, Object.values(DATABASES));
  const ports = async () => {
    const [grpc, connect, admin] = await freePorts(3);
    return { GRPC_PORT: String(grpc), CONNECT_PORT: String(connect), ADMIN_PORT: String(admin) };
  };
  const env: Record<Svc, Record<string, string>> = {
    auth: { ...(await ports()), REGISTER_MAX_PER_IP: NO_LIMIT, LOGIN_MAX_FAILURES_PER_IP: NO_LIMIT },
    analytics: await ports(),
    paste: { ...(await ports()), SWEEP_ENABLED: 'false' },
    'paste-miss': { ...(await ports()), SWEEP_ENABLED: 'false', CACHE_MAX_TTL_MS: '1' },
  };
  const common: Record<string, string> = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
  };
  const storage = (svc: Svc): Record<string, string> =>
    mode === 'mysql'
      ? { MYSQL_URL: `${MYSQL_SERVER.replace(/\/?$/, '/')}${DATABASES[svc === 'paste-miss' ? 'paste' : svc]}`, REDIS_URL: svc === 'paste-miss' ? REDIS_MISS_URL : REDIS_BENCH_URL }
      : {};
  const peers = {
    AUTH_SVC_URL: `127.0.0.1:${env.auth.GRPC_PORT}`,
    AUTH_JWKS_URL: `http://127.0.0.1:${env.auth.ADMIN_PORT}/.well-known/jwks.json`,
    ANALYTICS_SVC_URL: `127.0.0.1:${env.analytics.GRPC_PORT}`,
    PASTE_SVC_URL: `127.0.0.1:${env.paste.GRPC_PORT}`,
  };
  const procs = new Map<string, Proc>();
  async function startSvc(svc: Svc, extra: Record<string, string> = {}): Promise<void> {
    const name = svc === 'paste-miss' ? 'paste-svc-miss' : `${svc}-svc`;
    const entry = bundle(svc === 'paste-miss' ? 'paste-svc' : name);
    const proc = spawnNode(name, nodeArgs(name, entry), { ...common, ...nodeOptions(name), ...storage(svc), ...peers, ...env[svc], ...extra });
    procs.set(name, proc);
    await waitReady(proc, `http://127.0.0.1:${env[svc].ADMIN_PORT}/readyz`);
  }
  async function startGateway(name: string, extra: Record<string, string>, entry = bundle('gateway')): Promise<{ url: string; admin: string }> {
    const [http, admin] = await freePorts(2);
    const proc = spawnNode(name, nodeArgs(name, entry), {
      ...common,
      ...nodeOptions(name),
      ...(mode === 'mysql' ? { REDIS_URL: REDIS_BENCH_URL } : {}),
      ...peers,
      HTTP_PORT: String(http),
      ADMIN_PORT: String(admin),
      RATE_LIMIT_READS_PER_MIN: NO_LIMIT,
      RATE_LIMIT_CREATES_PER_MIN: NO_LIMIT,
      RATE_LIMIT_LOGINS_PER_MIN: NO_LIMIT,
      RATE_LIMIT_BAD_REQUESTS_PER_MIN: NO_LIMIT,
      ...extra,
    });
    procs.set(name, proc);
    await waitReady(proc, `http://127.0.0.1:${http}/readyz`);
    return { url: `http://127.0.0.1:${http}`, admin: `http://127.0.0.1:${admin}` };
  }

  try {
    await startSvc('auth');
    await startSvc('analytics');
    await startSvc('paste');
    await startSvc('paste-miss');
    const gatewayEnv: Record<GatewayKind, Record<string, string>> = {
      hot: {},
      cold: { HOT_CACHE: 'false' },
      miss: { HOT_CACHE: 'false', PASTE_SVC_URL: `127.0.0.1:${env['paste-miss'].GRPC_PORT}` },
    };
    const gateways = {
      hot: await startGateway(GATEWAY_PROC.hot, gatewayEnv.hot),
      cold: await startGateway(GATEWAY_PROC.cold, gatewayEnv.cold),
      miss: await startGateway(GATEWAY_PROC.miss, gatewayEnv.miss),
    };
    log(`  mesh up (${mode}): gateways ${Object.entries(gateways).map(([k, g]) => `${k} ${g.url}`).join(', ')}, data ${dataDir}`);
    return {
      mode,
      gateways,
      gatewayEnv,
      pasteMissAdmin: `http://127.0.0.1:${env['paste-miss'].ADMIN_PORT}`,
      store: mode === 'mysql' ? { kind: 'mysql', url: storage('paste')['MYSQL_URL']! } : { kind: 'sqlite', file: path.join(dataDir, 'paste-svc.db') },
      procs: () => [...procs.values()],
      addGateway: (name, entry, extra) => startGateway(name, extra, entry),
      async restartPaste(extra) {
        await procs.get('paste-svc')?.stop();
        await startSvc('paste', extra);
      },
      async stop() {
        const gatewayProcs = [...procs.keys()].filter((n) => n.startsWith('gateway'));
        for (const name of [...gatewayProcs, 'paste-svc', 'paste-svc-miss', 'analytics-svc', 'auth-svc']) await procs.get(name)?.stop();
        if (mode === 'mysql' && !process.env['BENCH_KEEP_DB']) await resetMysqlDatabases(MYSQL_SERVER, Object.values(DATABASES), true);
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const p of procs.values()) await p.stop();
    throw err;
  }
}
