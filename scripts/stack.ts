// The whole mesh in this process, as `npm start` (scripts/start-all.ts) and the end-to-end suites in tests/ run
// it: scripts/mesh's launcher with every service's createApp(config) started here. The benchmarks
// (bench/mesh.ts) and the fault suite (tests/faults/support/mesh.ts) run the same launcher with each service
// as a child process from its esbuild bundle.
import { startMesh, type Env, type GatewayApp, type Mesh, type MeshOptions } from './mesh/start-mesh.js';

export type { ServiceName } from './mesh/start-mesh.js';

export interface StackOptions {
  /**
   * Base environment (npm start passes process.env), given to all four services. From it the stack honours
   * `HOST` (every service's bind address; default 127.0.0.1), `PUBLIC_URL` (gateway) and, with ports 'default',
   * the gateway's `HTTP_PORT`. GRPC_PORT, CONNECT_PORT and ADMIN_PORT would collide across four services, so the
   * stack sets those itself (per-service values go in `serviceEnv`).
   */
  env?: Env;
  /** Tests: fresh storage per service on the real MariaDB + Redis, or embedded SQLite. Unset: use `env` as given. */
  mode?: MeshOptions['mode'];
  /** 'default' uses 5000–5003 (and their Connect/admin ports; the gateway's HTTP_PORT from `env` if set); 'random' asks the OS (tests). */
  ports?: 'default' | 'random';
  /** Extra variables for one service (e.g. { paste: { SWEEP_INTERVAL_MS: '100' } }). */
  serviceEnv?: MeshOptions['serviceEnv'];
}

/** A running in-process mesh: its gateway's app object is at hand. */
export interface Stack extends Mesh {
  /** The gateway app (tests read its metrics and services). */
  gateway: GatewayApp;
}

/**
 * The gateway's deadline for its calls in a test stack: production's 2 s is about latency, and the end-to-end
 * suites test behaviour; a loaded machine (CI beside other work) once took longer than 2 s for a create. A
 * suite that tests the deadline sets its own in `serviceEnv`.
 */
export const TEST_DOWNSTREAM_TIMEOUT_MS = '10000';

/** Starts auth, analytics, paste and gateway in this process, in dependency order, each wired to the others' bound ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const serviceEnv = options.mode
    ? {
        ...options.serviceEnv,
        gateway: { DOWNSTREAM_TIMEOUT_MS: TEST_DOWNSTREAM_TIMEOUT_MS, ...options.serviceEnv?.gateway },
      }
    : options.serviceEnv;
  // Test stacks log warnings and worse unless asked: one access-log line per request and per RPC would
  // bury a failing suite's output.
  const env = options.mode ? { LOG_LEVEL: 'warn', ...options.env } : options.env;
  return (await startMesh({
    ...options,
    ...(env ? { env } : {}),
    ...(serviceEnv ? { serviceEnv } : {}),
    run: 'in-process',
  })) as Stack;
}
