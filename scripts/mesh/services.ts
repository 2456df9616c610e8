// The four services as the mesh launcher knows them: folder, ports, peers, start order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ServiceName = 'auth' | 'paste' | 'analytics' | 'gateway';
/** The services callers reach over gRPC. */
export type GrpcServiceName = Exclude<ServiceName, 'gateway'>;

/** What the launcher needs to know about one service. */
export interface ServiceInfo {
  /** Its folder, which is also its process, image and Deployment name (auth-svc … gateway). */
  dir: string;
  /** Each port by the name `start()` reports it under → the variable that sets it. */
  portVars: Record<string, string>;
  /** The ports `npm start` uses (README, Ports). */
  defaultPorts: Record<string, number>;
  /** The services it calls: each one's address (and auth-svc's JWKS) goes into its environment. */
  peers: GrpcServiceName[];
}

const GRPC_PORT_VARS = { grpc: 'GRPC_PORT', connect: 'CONNECT_PORT', admin: 'ADMIN_PORT' };

export const SERVICES: Record<ServiceName, ServiceInfo> = {
  auth: {
    dir: 'auth-svc',
    portVars: GRPC_PORT_VARS,
    defaultPorts: { grpc: 5001, connect: 5101, admin: 9001 },
    peers: [],
  },
  analytics: {
    dir: 'analytics-svc',
    portVars: GRPC_PORT_VARS,
    defaultPorts: { grpc: 5003, connect: 5103, admin: 9003 },
    peers: ['auth'],
  },
  paste: {
    dir: 'paste-svc',
    portVars: GRPC_PORT_VARS,
    defaultPorts: { grpc: 5002, connect: 5102, admin: 9002 },
    peers: ['auth', 'analytics'],
  },
  gateway: {
    dir: 'gateway',
    portVars: { http: 'HTTP_PORT', admin: 'ADMIN_PORT' },
    defaultPorts: { http: 5000, admin: 9000 },
    peers: ['auth', 'paste', 'analytics'],
  },
};

/** Each service after the ones it calls: auth-svc first (the others fetch its JWKS as they start). */
export const START_ORDER: readonly ServiceName[] = ['auth', 'analytics', 'paste', 'gateway'];
/** Callers before the services they call. */
export const STOP_ORDER: readonly ServiceName[] = [...START_ORDER].reverse();
export const GRPC_SERVICES: readonly GrpcServiceName[] = ['auth', 'analytics', 'paste'];

/** How a service's code runs: in this process, or as a child process from the esbuild bundle or from source. */
export type RunMode = 'in-process' | 'built' | 'source';

/** The script a child process runs: the bundle `npm run build` makes, or the source through tsx. */
export function entryOf(service: ServiceName, run: Exclude<RunMode, 'in-process'>): string {
  const { dir } = SERVICES[service];
  return path.join(ROOT, dir, run === 'built' ? 'dist/main.js' : 'src/main.ts');
}
