// The mesh's wiring, written once for every way of running it: which address services bind and which one
// callers dial, the ports each instance asks for, peers' addresses, and each service's storage.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { serviceDatabaseUrl } from '@pastemesh/kit/storage';
import {
  REDIS_TEST_URL,
  createTestStorage,
  freePortsBelowEphemeral,
  type PortBand,
  type StorageMode,
} from '@pastemesh/kit/testing';
import { SERVICES, type GrpcServiceName, type ServiceName } from './services.js';

/** An environment as the services' config reads it: an empty or undefined value counts as unset. */
export type Env = Record<string, string | undefined>;

/** A variable as the services' config reads it. */
export const setting = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

/** `env` without unset variables (what a child process is given). */
export const definedOnly = (env: Env): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** Addresses that mean "every interface": fine to bind, not to dial. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** `host` inside a host:port address or a URL: IPv6 literals go in brackets. */
const addressHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Where every service listens (`bind`), how peers and clients reach them (`dial`), and the host of paste links. */
export interface Hosts {
  bind: string;
  dial: string;
  link: string;
}

/** From HOST (default 127.0.0.1): a wildcard is dialled on loopback, and links say localhost for loopback. */
export function hostsFrom(env: Env): Hosts {
  const bind = setting(env['HOST']?.trim().replace(/^\[(.*)\]$/, '$1')) ?? '127.0.0.1';
  const dial = addressHost(WILDCARD_HOSTS.has(bind) ? '127.0.0.1' : bind);
  const link = WILDCARD_HOSTS.has(bind) || LOOPBACK_HOSTS.has(bind) ? 'localhost' : dial;
  return { bind, dial, link };
}

/** The gateway's PUBLIC_URL when it listens on `httpPort` and the environment names none. */
export const publicUrlFor = (hosts: Hosts, httpPort: number): string => `http://${hosts.link}:${httpPort}`;

/** Variables that make a service listen on `ports` (by port name, as SERVICES lists them). */
export function portEnv(service: ServiceName, ports: Record<string, number>): Env {
  return Object.fromEntries(
    Object.entries(SERVICES[service].portVars).map(([name, variable]) => [variable, String(ports[name] ?? 0)]),
  );
}

/**
 * How instances get their ports. 'default': npm start's (README, Ports; the gateway's HTTP_PORT from the
 * environment if set). 'random' in this process: 0, so the OS picks when the service binds. 'random' as child
 * processes: free ports chosen now from `band`, below the ephemeral range, since every process must know its
 * peers' ports before it starts and a restarted one must find its own again.
 */
export async function planPorts(
  services: ServiceName[],
  how: 'default' | 'random',
  inProcess: boolean,
  band: PortBand,
  env: Env,
): Promise<Record<string, number>[]> {
  if (how === 'default') {
    const httpPort = Number(setting(env['HTTP_PORT']) ?? NaN);
    return services.map((s) => ({
      ...SERVICES[s].defaultPorts,
      ...(s === 'gateway' && Number.isInteger(httpPort) ? { http: httpPort } : {}),
    }));
  }
  const names = services.map((s) => Object.keys(SERVICES[s].portVars));
  if (inProcess) return names.map((list) => Object.fromEntries(list.map((n) => [n, 0])));
  const free = await freePortsBelowEphemeral(
    names.reduce((n, list) => n + list.length, 0),
    band,
  );
  return names.map((list) => Object.fromEntries(list.map((n) => [n, free.pop()!])));
}

/** A TCP port free on `host` right now (the OS's choice), for a gateway that must know its port before it binds. */
export async function pickPort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The variables that point a service at its peers: each one's gRPC address, and auth-svc's JWKS. */
export function peerEnv(
  service: ServiceName,
  grpc: Partial<Record<GrpcServiceName, string>>,
  jwksUrl: string | undefined,
): Env {
  const env: Env = {};
  for (const peer of SERVICES[service].peers) env[`${peer.toUpperCase()}_SVC_URL`] = grpc[peer];
  if (SERVICES[service].peers.includes('auth')) env['AUTH_JWKS_URL'] = jwksUrl;
  return env;
}

/** Where the mesh keeps its data. */
export interface StorageOptions {
  /** Fresh storage per service (tests): a new MariaDB database and the real Redis, or SQLite in a temp folder. Unset: as `env` says. */
  mode?: StorageMode | undefined;
  /** Fresh databases are named after `<label>_<service>` (default: the service). */
  label?: string | undefined;
  /** Without `mode`: each service's database on env's MYSQL_URL server is `<prefix>_<service>` (default pastemesh). */
  databasePrefix?: string | undefined;
  /** With mode 'mysql': the Redis database index every process uses (default 0). */
  redisDb?: number | undefined;
  /** Rewrites the MYSQL_URL services get (e.g. through a fault proxy). */
  mysqlUrl?: ((url: string) => string) | undefined;
  /** Rewrites the REDIS_URL every process gets. */
  redisUrl?: ((url: string) => string) | undefined;
}

/** One service's storage: the variables it starts with, its database's direct URL, and how to remove fresh storage. */
export interface ServiceStorage {
  env: Env;
  mysqlUrl: string | undefined;
  cleanup(): Promise<void>;
}

/** The Redis URL of a fresh mysql-mode mesh (every process of it uses the same one). */
export function testRedisUrl(options: StorageOptions): string {
  const url = new URL(REDIS_TEST_URL);
  if (options.redisDb !== undefined) url.pathname = `/${options.redisDb}`;
  return (options.redisUrl ?? ((u: string) => u))(url.toString());
}

/** Storage for one gRPC service. */
export async function prepareStorage(
  service: GrpcServiceName,
  options: StorageOptions,
  env: Env,
): Promise<ServiceStorage> {
  if (!options.mode) {
    const mysqlUrl = serviceDatabaseUrl(
      setting(env['MYSQL_URL']),
      `${options.databasePrefix ?? 'pastemesh'}_${service}`,
    );
    return { env: { MYSQL_URL: mysqlUrl }, mysqlUrl, cleanup: async () => {} };
  }
  const storage = await createTestStorage(options.mode, options.label ? `${options.label}_${service}` : service);
  if (options.mode === 'embedded')
    return {
      env: { ...storage.env, MYSQL_URL: undefined, REDIS_URL: undefined },
      mysqlUrl: undefined,
      cleanup: storage.cleanup,
    };
  const mysqlUrl = storage.mysqlUrl!;
  return {
    env: {
      ...storage.env,
      MYSQL_URL: (options.mysqlUrl ?? ((u: string) => u))(mysqlUrl),
      REDIS_URL: testRedisUrl(options),
    },
    mysqlUrl,
    cleanup: storage.cleanup,
  };
}

/**
 * The gateway's storage variables. Tests share one Redis: each mesh counts its rate limits under its own keys,
 * so one suite's flood of bad requests from 127.0.0.1 never limits another suite running beside it.
 */
export function gatewayStorageEnv(options: StorageOptions): Env {
  if (options.mode === 'mysql')
    return { REDIS_URL: testRedisUrl(options), RATE_LIMIT_KEY_PREFIX: `pm:rl:test-${randomUUID().slice(0, 8)}` };
  if (options.mode === 'embedded') return { REDIS_URL: undefined };
  return {};
}
