// Starts the whole mesh in one process: what `npm start`, the end-to-end tests, the benchmarks and the fault suite share.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { createApp as createAuthApp } from '@pastemesh/auth-svc';
import { loadAuthConfig } from '@pastemesh/auth-svc/config';
import { createApp as createPasteApp } from '@pastemesh/paste-svc';
import { loadPasteConfig } from '@pastemesh/paste-svc/config';
import { createApp as createAnalyticsApp } from '@pastemesh/analytics-svc';
import { loadAnalyticsConfig } from '@pastemesh/analytics-svc/config';
import { createApp as createGatewayApp } from '@pastemesh/gateway';
import { loadGatewayConfig } from '@pastemesh/gateway/config';
import { listen, serviceDatabaseUrl } from '@pastemesh/kit';
import { GENEROUS_TEST_LIMITS, createTestStorage, type StorageMode, type TestStorage } from '@pastemesh/kit/testing';

export type ServiceName = 'auth' | 'paste' | 'analytics' | 'gateway';

export interface StackOptions {
  /**
   * Base environment (npm start passes process.env), given to all four services. From it the stack honours
   * `HOST` (every service's bind address; default 127.0.0.1), `PUBLIC_URL` (gateway) and, with ports 'default',
   * the gateway's `HTTP_PORT`. GRPC_PORT, CONNECT_PORT and ADMIN_PORT would collide across four services, so the
   * stack sets those itself (per-service values go in `serviceEnv`).
   */
  env?: Record<string, string | undefined>;
  /** Tests: fresh storage per service on the real MariaDB + Redis, or embedded SQLite. Unset: use `env` as given. */
  mode?: StorageMode;
  /** 'default' uses 5000–5003 (and their Connect/admin ports; the gateway's HTTP_PORT from `env` if set); 'random' asks the OS (tests). */
  ports?: 'default' | 'random';
  /** Extra variables for one service (e.g. { paste: { SWEEP_INTERVAL_MS: '100' } }). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

interface Running {
  app: { start(): Promise<object>; stop(): Promise<void> };
  ports: Record<string, number>;
}

/** A running stack. */
export interface Stack {
  /** Where the gateway answers from this machine, e.g. http://127.0.0.1:5000 (loopback when bound to every interface). */
  gatewayUrl: string;
  /** The gateway's PUBLIC_URL: the base of paste links. */
  publicUrl: string;
  /** gRPC addresses (host:port). */
  grpc: Record<Exclude<ServiceName, 'gateway'>, string>;
  /** Every bound port per service. */
  ports: Record<ServiceName, Record<string, number>>;
  /** The gateway app (tests read its metrics and services). */
  gateway: ReturnType<typeof createGatewayApp>;
  /** Stops one service (as a crash or a deploy would). */
  stopService(name: ServiceName): Promise<void>;
  /** Starts it again on the same ports. */
  startService(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_PORTS: Record<ServiceName, Record<string, string>> = {
  auth: { GRPC_PORT: '5001', CONNECT_PORT: '5101', ADMIN_PORT: '9001' },
  paste: { GRPC_PORT: '5002', CONNECT_PORT: '5102', ADMIN_PORT: '9002' },
  analytics: { GRPC_PORT: '5003', CONNECT_PORT: '5103', ADMIN_PORT: '9003' },
  gateway: { HTTP_PORT: '5000', ADMIN_PORT: '9000' },
};
const RANDOM_PORTS: Record<ServiceName, Record<string, string>> = {
  auth: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  paste: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  analytics: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  gateway: { HTTP_PORT: '0', ADMIN_PORT: '0' },
};

const DATABASES: Record<Exclude<ServiceName, 'gateway'>, string> = {
  auth: 'pastemesh_auth',
  paste: 'pastemesh_paste',
  analytics: 'pastemesh_analytics',
};

/** Addresses that mean "every interface": fine to bind, not to dial. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
/** Tries at a port picked before the gateway binds it (see `startGateway`). */
const PICKED_PORT_TRIES = 5;

/** A variable as the services' config reads it: empty counts as unset. */
const setting = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** `host` inside a host:port address or a URL: IPv6 literals go in brackets. */
const addressHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** A TCP port free on `host` right now (the OS's choice). */
async function pickPort(host: string): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, 0, host);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const isAddressInUse = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'EADDRINUSE';

/** Starts auth, analytics, paste and gateway in dependency order, wiring each to the others' bound ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const base = { ...options.env };
  const random = options.ports === 'random';
  // Every service binds `bindHost`; peers, clients and printed URLs use `host`, which is loopback when the
  // services listen on every interface (0.0.0.0 and :: are not addresses one can dial everywhere).
  const bindHost = setting(base['HOST']?.trim().replace(/^\[(.*)\]$/, '$1')) ?? '127.0.0.1';
  const host = addressHost(WILDCARD_HOSTS.has(bindHost) ? '127.0.0.1' : bindHost);
  // PUBLIC_URL as people on this machine reach the gateway, unless the environment says otherwise.
  const linkHost = WILDCARD_HOSTS.has(bindHost) || LOOPBACK_HOSTS.has(bindHost) ? 'localhost' : host;
  const publicUrlFor = (httpPort: number) => `http://${linkHost}:${httpPort}`;
  const storages: TestStorage[] = [];
  const envs = {} as Record<ServiceName, Record<string, string | undefined>>;
  const running = {} as Record<ServiceName, Running | undefined>;
  const ports = {} as Record<ServiceName, Record<string, number>>;

  async function storageEnv(name: Exclude<ServiceName, 'gateway'>): Promise<Record<string, string | undefined>> {
    if (!options.mode) return { MYSQL_URL: serviceDatabaseUrl(base['MYSQL_URL'], DATABASES[name]) };
    const storage = await createTestStorage(options.mode, name);
    storages.push(storage);
    return storage.env;
  }

  const factories: Record<ServiceName, (env: Record<string, string | undefined>) => Running['app']> = {
    auth: (env) => createAuthApp(loadAuthConfig(env)) as Running['app'],
    analytics: (env) => createAnalyticsApp(loadAnalyticsConfig(env)) as Running['app'],
    paste: (env) => createPasteApp(loadPasteConfig(env)) as Running['app'],
    gateway: (env) => createGatewayApp(loadGatewayConfig(env)) as Running['app'],
  };

  async function start(name: ServiceName): Promise<void> {
    const app = factories[name](envs[name]);
    const bound = (await app.start().catch(async (err: unknown) => {
      // A start that failed half-way (e.g. its port was taken) may hold connections and timers.
      await app.stop().catch(() => {});
      throw err;
    })) as Record<string, number>;
    ports[name] = bound;
    running[name] = { app, ports: bound };
    // Restarts keep the ports, so peers and clients find the service where it was.
    if (name === 'gateway') {
      envs[name] = { ...envs[name], HTTP_PORT: String(bound['http']), ADMIN_PORT: String(bound['admin']) };
    } else {
      envs[name] = { ...envs[name], GRPC_PORT: String(bound['grpc']), CONNECT_PORT: String(bound['connect']), ADMIN_PORT: String(bound['admin']) };
    }
  }

  /**
   * Starts the gateway with a PUBLIC_URL naming the port it binds. A port 0 is chosen here first, since the
   * gateway reads PUBLIC_URL once, before it listens; if something takes that port meanwhile, another is chosen.
   */
  async function startGateway(): Promise<void> {
    const fixedUrl = setting(envs.gateway['PUBLIC_URL']);
    const httpPort = Number(setting(envs.gateway['HTTP_PORT']) ?? 'NaN');
    if (fixedUrl || !Number.isInteger(httpPort)) return start('gateway'); // Given, or invalid: the gateway's config reports it.
    if (httpPort !== 0) {
      envs.gateway = { ...envs.gateway, PUBLIC_URL: publicUrlFor(httpPort) };
      return start('gateway');
    }
    for (let tries = 1; ; tries++) {
      const picked = await pickPort(bindHost);
      envs.gateway = { ...envs.gateway, HTTP_PORT: String(picked), PUBLIC_URL: publicUrlFor(picked) };
      try {
        return await start('gateway');
      } catch (err) {
        if (!isAddressInUse(err) || tries >= PICKED_PORT_TRIES) throw err;
      }
    }
  }

  const portsFor = (name: ServiceName) => {
    if (random) return RANDOM_PORTS[name];
    // The gateway's HTTP_PORT is the one port the shared environment can name (the others would collide).
    const httpPort = setting(base['HTTP_PORT']);
    return name === 'gateway' && httpPort ? { ...DEFAULT_PORTS.gateway, HTTP_PORT: httpPort } : DEFAULT_PORTS[name];
  };
  try {
    const limits = (name: ServiceName) => (options.mode ? GENEROUS_TEST_LIMITS[name] : undefined);
    envs.auth = { ...base, HOST: bindHost, ...portsFor('auth'), ...(await storageEnv('auth')), ...limits('auth'), ...options.serviceEnv?.auth };
    await start('auth');
    const peers = {
      AUTH_SVC_URL: `${host}:${ports.auth['grpc']}`,
      AUTH_JWKS_URL: `http://${host}:${ports.auth['admin']}/.well-known/jwks.json`,
    };
    envs.analytics = { ...base, HOST: bindHost, ...portsFor('analytics'), ...(await storageEnv('analytics')), ...peers, ...options.serviceEnv?.analytics };
    await start('analytics');
    const analyticsUrl = `${host}:${ports.analytics['grpc']}`;
    envs.paste = {
      ...base,
      HOST: bindHost,
      ...portsFor('paste'),
      ...(await storageEnv('paste')),
      ...peers,
      ANALYTICS_SVC_URL: analyticsUrl,
      ...options.serviceEnv?.paste,
    };
    await start('paste');
    const gatewayPorts = portsFor('gateway');
    // Tests share one Redis: each stack counts its rate limits under its own keys, so one suite's flood of bad
    // requests from 127.0.0.1 never limits another suite running beside it.
    const redisEnv =
      options.mode === 'mysql'
        ? { REDIS_URL: storages[0]!.redisUrl, RATE_LIMIT_KEY_PREFIX: `pm:rl:test-${randomUUID().slice(0, 8)}` }
        : options.mode === 'embedded'
          ? { REDIS_URL: undefined }
          : {};
    envs.gateway = {
      ...base,
      HOST: bindHost,
      ...gatewayPorts,
      ...redisEnv,
      ...limits('gateway'),
      ...peers,
      PASTE_SVC_URL: `${host}:${ports.paste['grpc']}`,
      ANALYTICS_SVC_URL: analyticsUrl,
      ...options.serviceEnv?.gateway,
    };
    await startGateway();
  } catch (err) {
    for (const name of ['gateway', 'paste', 'analytics', 'auth'] as const) await running[name]?.app.stop().catch(() => {});
    for (const s of storages) await s.cleanup().catch(() => {});
    throw err;
  }

  const gatewayUrl = `http://${host}:${ports.gateway['http']}`;
  return {
    gatewayUrl,
    publicUrl: envs.gateway['PUBLIC_URL']!,
    grpc: {
      auth: `${host}:${ports.auth['grpc']}`,
      paste: `${host}:${ports.paste['grpc']}`,
      analytics: `${host}:${ports.analytics['grpc']}`,
    },
    ports,
    gateway: running.gateway!.app as unknown as ReturnType<typeof createGatewayApp>,
    async stopService(name) {
      await running[name]?.app.stop();
      running[name] = undefined;
    },
    async startService(name) {
      if (!running[name]) await start(name);
    },
    async stop() {
      for (const name of ['gateway', 'paste', 'analytics', 'auth'] as const) {
        await running[name]?.app.stop();
        running[name] = undefined;
      }
      for (const s of storages) await s.cleanup();
    },
  };
}
