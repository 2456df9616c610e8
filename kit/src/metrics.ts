import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, dense below 50 ms where most calls land. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics every process exports; services register their own on `registry`. */
export interface Metrics {
  registry: Registry;
  grpcServerHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code' | 'protocol'>;
  grpcServerHandling: Histogram<'grpc_service' | 'grpc_method' | 'protocol'>;
  grpcClientHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  grpcClientHandling: Histogram<'grpc_service' | 'grpc_method'>;
  dbQueryDuration: Histogram<'operation'>;
}

/** Creates the process registry with default process metrics and RED metrics for gRPC and SQL. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    grpcServerHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by method and status code',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code', 'protocol'],
      registers,
    }),
    grpcServerHandling: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time to handle an RPC on the server',
      labelNames: ['grpc_service', 'grpc_method', 'protocol'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    grpcClientHandled: new Counter({
      name: 'grpc_client_handled_total',
      help: 'RPCs completed by this process as a client, by method and status code',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers,
    }),
    grpcClientHandling: new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Time from sending an RPC to its response, as seen by the client',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'SQL query time, by statement kind',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };
}
