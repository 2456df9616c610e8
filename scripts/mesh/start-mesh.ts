// The one launcher of the whole mesh, for every user: `npm start` and the end-to-end tests (in this process,
// through scripts/stack.ts), the fault suite (child processes with replicas, real signals and fault proxies,
// tests/faults/support/mesh.ts) and the benchmarks (child processes from the bundles with the deployed
// NODE_OPTIONS, bench/mesh.ts). Wiring (hosts, ports, peers, storage) is in wiring.ts; the two ways to run a
// service are in-process.ts and child-process.ts.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import type { createApp as createGatewayApp } from '@pastemesh/gateway';
import { GENEROUS_TEST_LIMITS, type PortBand } from '@pastemesh/kit/testing';
import { ensureBuilt } from './bundles.js';
import {
  connectionsTo,
  deployedNodeOptions,
  rssBytes,
  spawnChild,
  waitReady,
  type ChildProc,
  type Exit,
} from './child-process.js';
import type { ServiceApp } from './in-process.js';
import {
  GRPC_SERVICES,
  SERVICES,
  START_ORDER,
  STOP_ORDER,
  entryOf,
  type GrpcServiceName,
  type RunMode,
  type ServiceName,
} from './services.js';
import {
  definedOnly,
  gatewayStorageEnv,
  hostsFrom,
  peerEnv,
  pickPort,
  planPorts,
  portEnv,
  prepareStorage,
  publicUrlFor,
  setting,
  type Env,
  type ServiceStorage,
  type StorageOptions,
} from './wiring.js';

export type { Exit } from './child-process.js';
export type { Env } from './wiring.js';
export type { GrpcServiceName, RunMode, ServiceName } from './services.js';

/** The gateway's app object (in-process meshes only: tests read its metrics and breakers). */
export type GatewayApp = ReturnType<typeof createGatewayApp>;

export interface MeshOptions extends StorageOptions {
  /** In this process (default), or child processes from the esbuild bundles ('built') or from source through tsx ('source'). */
  run?: RunMode;
  /**
   * Base environment of every service (npm start passes process.env). From it the launcher honours HOST (every
   * service's bind address; default 127.0.0.1), PUBLIC_URL and, with ports 'default', the gateway's HTTP_PORT.
   * GRPC_PORT, CONNECT_PORT and ADMIN_PORT would collide across services: per-service values go in `serviceEnv`.
   */
  env?: Env;
  /** Extra variables for one service's instances, applied last (e.g. { paste: { SWEEP_INTERVAL_MS: '100' } }). */
  serviceEnv?: Partial<Record<ServiceName, Env>> | undefined;
  /** 'default': npm start's ports (default). 'random': free ones (see planPorts). */
  ports?: 'default' | 'random';
  /** Where child processes' random ports come from (callers that run side by side take separate bands). */
  portBand?: PortBand;
  /** Instances of each service, the gateway included (child processes and random ports). Default 1. */
  replicas?: number;
  /** Rewrites the gRPC address callers use for a service (the comma-separated replica list). */
  peer?: ((service: GrpcServiceName, address: string) => string | Promise<string>) | undefined;
  /** Child processes: 'deployed' (each Deployment's, istio/base/config.yaml) or the value itself. Default: none. */
  nodeOptions?: string;
  /** Child processes: node flags for an instance, by its name (profilers, preloads). */
  nodeArgs?: (instance: string) => string[];
  /** Child processes: also write each one's whole output to `<logDir>/<instance>.log`. */
  logDir?: string | undefined;
  /** Run 'built': rebuild missing or stale bundles first (default true); false uses dist as it is. */
  rebuild?: boolean;
}

/** One copy of a service: a replica, or an instance added with addInstance. */
export interface Instance {
  /** Its process name: the service's folder, `<folder>-<index>` for further replicas, or as added. */
  name: string;
  service: ServiceName;
  index: number;
  /** Bound ports (fixed after the first start, so a restart comes back where its callers expect it). */
  ports: Record<string, number>;
  /** Its environment as last started. */
  env: Env;
  running: boolean;
  /** The child process while it runs (undefined in-process). */
  proc: ChildProc | undefined;
  pid: number | undefined;
  /** The last lines its current or last process wrote. */
  log: string[];
  /** The app while it runs in this process. */
  app: ServiceApp | undefined;
}

/** A running mesh. */
export interface Mesh {
  run: RunMode;
  /** Where the first gateway answers from this machine, e.g. http://127.0.0.1:5000 (loopback when bound to every interface). */
  gatewayUrl: string;
  /** Every gateway replica's base URL. */
  gatewayUrls: string[];
  /** The first gateway's PUBLIC_URL: the base of paste links. */
  publicUrl: string;
  /** The address callers use for each gRPC service (host:port, or the replicas' list; after the `peer` hook). */
  grpc: Record<GrpcServiceName, string>;
  /** The first replica's bound ports, per service. */
  ports: Record<ServiceName, Record<string, number>>;
  /** The first gateway's app, in-process only. */
  gateway: GatewayApp | undefined;
  replica(service: ServiceName, index?: number): Instance;
  /** An instance by name (e.g. one added with addInstance). */
  instance(name: string): Instance;
  /** Direct addresses of each replica's gRPC port. */
  replicaGrpc(service: GrpcServiceName): string[];
  adminUrl(service: ServiceName, index?: number): string;
  /** The MySQL URL (direct, never through a proxy) of a service's database. */
  mysqlUrl(service: GrpcServiceName): string;
  /** Starts one more instance of a service, wired like the others (its storage, its peers), then `env`; `entry` replaces the script. */
  addInstance(spec: { name: string; service: ServiceName; env?: Env; entry?: string }): Promise<Instance>;
  /** The running child processes (for CPU and memory readings). */
  processes(): ChildProc[];
  /** Stops every replica of a service (as a crash or a deploy would, but cleanly). */
  stopService(service: ServiceName): Promise<void>;
  /** Starts its stopped replicas again on the same ports. */
  startService(service: ServiceName): Promise<void>;
  /** Child processes: sends `signal` to one replica and waits for it to exit. */
  signal(service: ServiceName, index: number, signal: NodeJS.Signals): Promise<Exit>;
  /** Starts a replica again on its ports (stopping it first if it runs); `extraEnv` applies to this start only. */
  restart(service: ServiceName, index: number, extraEnv?: Env): Promise<void>;
  /** Child processes: open TCP connections to a replica's gRPC port, per process of this mesh. */
  connectionsTo(service: GrpcServiceName, index: number): Map<number, number>;
  /** Child processes: resident memory of a replica, in bytes (0 once it has exited). */
  rssBytes(service: ServiceName, index?: number): number;
  /** The tail of a replica's output, for failure messages. */
  logTail(service: ServiceName, index?: number, lines?: number): string;
  stop(): Promise<void>;
}

/** Child processes get nothing from this process's environment but these. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR'];
/** Random ports for child processes when no band is given (below Linux's ephemeral range). */
const DEFAULT_BAND: PortBand = { from: 20_000, size: 12_000 };
/** Tries at a port picked for a gateway before it binds it. */
const PICKED_PORT_TRIES = 5;

interface Slot extends Instance {
  /** The variables every start of it uses (set at its first start; ports pinned once bound). */
  fixedEnv: Env | undefined;
  overrides: Env;
  entry: string | undefined;
  lastLog: string[];
}

const isAddressInUse = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'EADDRINUSE';

/** Starts the mesh: auth-svc, analytics-svc, paste-svc and the gateway, each after the services it calls. */
export async function startMesh(options: MeshOptions = {}): Promise<Mesh> {
  const run = options.run ?? 'in-process';
  const inProcess = run === 'in-process';
  const replicas = options.replicas ?? 1;
  const portsHow = options.ports ?? 'default';
  if (replicas > 1 && (inProcess || portsHow === 'default'))
    throw new Error('replicas need child processes on random ports');
  const base: Env = { ...options.env };
  const hosts = hostsFrom(base);
  const band = options.portBand ?? DEFAULT_BAND;
  const runner = inProcess ? await import('./in-process.js') : undefined;
  if (run === 'built') {
    if (options.rebuild ?? true) await ensureBuilt(START_ORDER);
    const missing = START_ORDER.filter((s) => !fs.existsSync(entryOf(s, 'built'))).map((s) => SERVICES[s].dir);
    if (missing.length) throw new Error(`no bundle in dist for ${missing.join(', ')}: run npm run build`);
  }
  // Replicas share one signing key, so a token from one verifies at every caller of either.
  const sharedKey =
    replicas > 1 && !setting(base['JWT_PRIVATE_KEY'])
      ? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      : undefined;
  const nodeOptionsOf = (service: ServiceName) =>
    options.nodeOptions === 'deployed' ? deployedNodeOptions(SERVICES[service].dir) : (options.nodeOptions ?? '');

  const storages = {} as Record<GrpcServiceName, ServiceStorage>;
  const gatewayStorage = gatewayStorageEnv(options);
  const slots = {} as Record<ServiceName, Slot[]>;
  const extras: Slot[] = [];
  const grpc = {} as Record<GrpcServiceName, string>;
  let jwksUrl: string | undefined;

  const newSlot = (
    service: ServiceName,
    index: number,
    name: string,
    ports: Record<string, number>,
    overrides: Env = {},
    entry?: string,
  ): Slot => {
    const slot: Slot = {
      name,
      service,
      index,
      ports,
      env: {},
      running: false,
      proc: undefined,
      get pid() {
        return slot.running ? slot.proc?.pid : undefined;
      },
      get log() {
        return slot.proc?.log ?? slot.lastLog;
      },
      app: undefined,
      fixedEnv: undefined,
      overrides,
      entry,
      lastLog: [],
    };
    return slot;
  };

  function composeEnv(slot: Slot): Env {
    const { service } = slot;
    const env: Env = {
      ...base,
      HOST: hosts.bind,
      ...portEnv(service, slot.ports),
      ...(service === 'gateway' ? gatewayStorage : storages[service].env),
      ...(options.mode ? GENEROUS_TEST_LIMITS[service] : {}),
      ...(service === 'auth' && sharedKey ? { JWT_PRIVATE_KEY: sharedKey } : {}),
      ...peerEnv(service, grpc, jwksUrl),
      ...options.serviceEnv?.[service],
      ...slot.overrides,
    };
    // A gateway reads PUBLIC_URL once, before it listens: name the port it will bind (0 is picked in startSlot).
    const httpPort = Number(setting(env['HTTP_PORT']) ?? NaN);
    if (service === 'gateway' && !setting(env['PUBLIC_URL']) && Number.isInteger(httpPort) && httpPort > 0)
      env['PUBLIC_URL'] = publicUrlFor(hosts, httpPort);
    return env;
  }

  async function startOnce(slot: Slot, env: Env): Promise<void> {
    if (runner) {
      const { app, ports } = await runner.startInProcess(slot.service, env);
      Object.assign(slot, { app, ports });
      return;
    }
    const args = [
      ...(run === 'source' ? ['--import', 'tsx'] : []),
      ...(options.nodeArgs?.(slot.name) ?? []),
      slot.entry ?? entryOf(slot.service, run as 'built' | 'source'),
    ];
    const passed = Object.fromEntries(PASSED_THROUGH.map((name) => [name, process.env[name]]));
    const proc = spawnChild(
      slot.name,
      args,
      definedOnly({ ...passed, NODE_OPTIONS: nodeOptionsOf(slot.service), ...env }),
      { logDir: options.logDir },
    );
    slot.proc = proc;
    slot.lastLog = proc.log;
    try {
      await waitReady(proc, `http://${hosts.dial}:${slot.ports['admin']}/readyz`);
    } catch (err) {
      await proc.signal('SIGKILL');
      throw err;
    }
  }

  async function startSlot(slot: Slot, extraEnv: Env = {}): Promise<void> {
    slot.fixedEnv ??= composeEnv(slot);
    const env = { ...slot.fixedEnv, ...extraEnv };
    const pickHttpPort =
      runner && slot.service === 'gateway' && !setting(env['PUBLIC_URL']) && env['HTTP_PORT'] === '0';
    for (let tries = 1; ; tries++) {
      if (pickHttpPort) {
        const picked = await pickPort(hosts.bind);
        Object.assign(env, { HTTP_PORT: String(picked), PUBLIC_URL: publicUrlFor(hosts, picked) });
        slot.fixedEnv = { ...slot.fixedEnv, PUBLIC_URL: env['PUBLIC_URL'] };
      }
      try {
        await startOnce(slot, env);
        break;
      } catch (err) {
        if (!pickHttpPort || !isAddressInUse(err) || tries >= PICKED_PORT_TRIES) throw err;
      }
    }
    slot.running = true;
    slot.env = { ...env, ...portEnv(slot.service, slot.ports) };
    slot.fixedEnv = { ...slot.fixedEnv, ...portEnv(slot.service, slot.ports) };
  }

  async function stopSlot(slot: Slot): Promise<void> {
    if (!slot.running) return;
    slot.running = false;
    if (slot.app) await slot.app.stop();
    else await slot.proc?.stop();
    slot.app = undefined;
  }

  /** Callers' address of a gRPC service, once its replicas' ports are known. */
  async function wire(service: GrpcServiceName): Promise<void> {
    const direct = slots[service].map((s) => `${hosts.dial}:${s.ports['grpc']}`).join(',');
    grpc[service] = options.peer ? await options.peer(service, direct) : direct;
    if (service === 'auth') jwksUrl = `http://${hosts.dial}:${slots.auth[0]!.ports['admin']}/.well-known/jwks.json`;
  }

  const all = () => [...STOP_ORDER.flatMap((s) => [...extras.filter((e) => e.service === s), ...(slots[s] ?? [])])];
  const stopAll = async () => {
    let failure: unknown;
    for (const service of STOP_ORDER) {
      const group = all().filter((s) => s.service === service);
      await Promise.all(group.map((s) => stopSlot(s).catch((err: unknown) => (failure ??= err))));
    }
    for (const storage of Object.values(storages)) await storage.cleanup().catch((err: unknown) => (failure ??= err));
    if (failure) throw failure;
  };

  try {
    const services = START_ORDER.flatMap((s) => Array.from({ length: replicas }, () => s));
    const planned = await planPorts(services, portsHow, inProcess, band, base);
    for (const [i, service] of services.entries()) {
      const index = (slots[service] ??= []).length;
      slots[service].push(
        newSlot(service, index, index === 0 ? SERVICES[service].dir : `${SERVICES[service].dir}-${index}`, planned[i]!),
      );
    }
    for (const service of GRPC_SERVICES) storages[service] = await prepareStorage(service, options, base);
    if (inProcess) {
      // Ports are the OS's choice: each service starts once the ones it calls are listening.
      for (const service of START_ORDER) {
        for (const slot of slots[service]) await startSlot(slot);
        if (service !== 'gateway') await wire(service);
      }
    } else {
      // Every port is known: auth-svc first (the others fetch its JWKS as they start), then the rest at once.
      for (const service of GRPC_SERVICES) await wire(service);
      await Promise.all(slots.auth.map((s) => startSlot(s)));
      await Promise.all(
        START_ORDER.filter((s) => s !== 'auth').flatMap((s) => slots[s].map((slot) => startSlot(slot))),
      );
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  const replica = (service: ServiceName, index = 0): Slot => {
    const slot = slots[service][index];
    if (!slot) throw new Error(`${service} has no replica ${index}`);
    return slot;
  };
  const childOnly = (what: string) => {
    if (inProcess) throw new Error(`${what} needs child processes (this mesh runs in-process)`);
  };
  const gatewayUrls = slots.gateway.map((s) => `http://${hosts.dial}:${s.ports['http']}`);
  return {
    run,
    gatewayUrl: gatewayUrls[0]!,
    gatewayUrls,
    publicUrl: slots.gateway[0]!.env['PUBLIC_URL'] ?? gatewayUrls[0]!,
    grpc,
    ports: Object.fromEntries(START_ORDER.map((s) => [s, slots[s][0]!.ports])) as Record<
      ServiceName,
      Record<string, number>
    >,
    get gateway() {
      return slots.gateway[0]!.app as GatewayApp | undefined;
    },
    replica,
    instance(name) {
      const found = all().find((s) => s.name === name);
      if (!found) throw new Error(`no instance named ${name}`);
      return found;
    },
    replicaGrpc: (service) => slots[service].map((s) => `${hosts.dial}:${s.ports['grpc']}`),
    adminUrl: (service, index = 0) => `http://${hosts.dial}:${replica(service, index).ports['admin']}`,
    mysqlUrl(service) {
      const url = storages[service].mysqlUrl;
      if (!url) throw new Error(`${service} has no MySQL database (embedded storage)`);
      return url;
    },
    async addInstance({ name, service, env = {}, entry }) {
      const [ports] = await planPorts([service], portsHow === 'default' ? 'random' : portsHow, inProcess, band, base);
      const slot = newSlot(
        service,
        slots[service].length + extras.filter((e) => e.service === service).length,
        name,
        ports!,
        env,
        entry,
      );
      extras.push(slot);
      await startSlot(slot);
      return slot;
    },
    processes: () => all().flatMap((s) => (s.running && s.proc ? [s.proc] : [])),
    async stopService(service) {
      await Promise.all(slots[service].map(stopSlot));
    },
    async startService(service) {
      for (const slot of slots[service]) if (!slot.running) await startSlot(slot);
    },
    async signal(service, index, signal) {
      childOnly('signal');
      const slot = replica(service, index);
      const exit = await slot.proc!.signal(signal);
      slot.running = false;
      return exit;
    },
    async restart(service, index, extraEnv) {
      const slot = replica(service, index);
      await stopSlot(slot);
      await startSlot(slot, extraEnv);
    },
    connectionsTo(service, index) {
      childOnly('connectionsTo');
      const pids = new Set(all().flatMap((s) => (s.pid ? [s.pid] : [])));
      return connectionsTo(replica(service, index).ports['grpc']!, pids);
    },
    rssBytes(service, index = 0) {
      childOnly('rssBytes');
      return rssBytes(replica(service, index).pid);
    },
    logTail: (service, index = 0, lines = 30) => replica(service, index).log.slice(-lines).join('\n'),
    stop: stopAll,
  };
}
