// The fault suite's mesh: the one launcher (scripts/mesh) with every replica a real process started from its
// esbuild bundle (rebuilt first when a source changed; FAULT_FROM_SOURCE=1 runs src/main.ts through tsx
// instead), so faults are real signals (SIGTERM runs the service's own shutdown, SIGKILL gives it none) and
// memory is one process's RSS. Storage is a fresh MariaDB database per service on the real server and the real
// Redis (a database index of the scenario's own, so buffer lists and limits never mix with other suites).
// Routing hooks put fault proxies between callers and a dependency.
import {
  startMesh as startLauncher,
  type GrpcServiceName,
  type Mesh,
  type ServiceName,
} from '../../../scripts/mesh/start-mesh.js';

export type { Exit, Instance as Replica, Mesh } from '../../../scripts/mesh/start-mesh.js';
export type MeshService = ServiceName;
export type GrpcService = GrpcServiceName;

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

/**
 * Each jest worker draws the mesh's ports from its own band: a replica that is down for a restart leaves its
 * port free, and another worker's mesh once took it in that moment (EADDRINUSE on the restart).
 */
const PORT_BAND = { from: 20_000 + ((Number(process.env['JEST_WORKER_ID'] ?? 1) - 1) % 4) * 3_000, size: 3_000 };

/**
 * Starts auth-svc, analytics-svc, paste-svc and the gateway, `replicas` of each: auth-svc first, then the rest
 * at once, every port chosen up front so each process knows its peers (they connect lazily, as in a cluster).
 * Resolves when every /readyz answers 200.
 */
export function startMesh(options: MeshOptions): Promise<Mesh> {
  return startLauncher({
    run: process.env['FAULT_FROM_SOURCE'] === '1' ? 'source' : 'built',
    mode: 'mysql',
    label: `fault_${options.label}`,
    redisDb: options.redisDb,
    replicas: options.replicas ?? 1,
    ports: 'random',
    portBand: PORT_BAND,
    env: { LOG_LEVEL: 'info' },
    serviceEnv: options.env,
    mysqlUrl: options.mysqlUrl,
    redisUrl: options.redisUrl,
    peer: options.peer,
  });
}
