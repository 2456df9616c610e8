import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type RegistryContentType,
} from 'prom-client';

/** Latency buckets in seconds, dense below 50 ms where most calls land. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Records `seconds` with the trace id as an exemplar when the request's span is sampled (prom-client keeps the
 * latest per bucket); otherwise through the bound child, the cheap path.
 */
export function observeWithTrace<L extends string>(
  histogram: Histogram<L>,
  child: { observe(value: number): void },
  labels: Partial<Record<L, string | number>>,
  seconds: number,
  traceId: string | undefined,
): void {
  // prom-client types exemplar labels like the metric's own; they are free-form.
  if (traceId) histogram.observe({ labels, value: seconds, exemplarLabels: { trace_id: traceId } as typeof labels });
  else child.observe(seconds);
}

/** What prom-client 15 keeps per series of a histogram (read by `bindHistogram`; checked before every use). */
interface HistogramSeries {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * A histogram child for one label set that records straight into its series. prom-client's own child
 * (`histogram.labels(...)`) still checks and hashes the labels on every observation (the request histogram's
 * observe showed as 2-3% of a hot raw read's CPU); this one finds the series once, after its first observation
 * went through prom-client, and then adds to its sum, count and bucket. Whenever the series is not where it was
 * (a reset, a removal, or a prom-client that keeps series differently), the observation goes through
 * prom-client again and the series is looked up anew, so nothing is lost or counted twice.
 */
export function bindHistogram<L extends string>(
  histogram: Histogram<L>,
  labels: Partial<Record<L, string | number>>,
): { observe(value: number): void } {
  const child = histogram.labels(labels);
  const internal = histogram as unknown as {
    hashMap?: Record<string, HistogramSeries>;
    upperBounds?: readonly number[];
  };
  const names = Object.keys(labels) as L[];
  let series: HistogramSeries | undefined;
  let key = '';
  let map: Record<string, HistogramSeries> | undefined;
  const find = () => {
    series = undefined;
    map = internal.hashMap;
    if (typeof map !== 'object' || map === null || !Array.isArray(internal.upperBounds)) return;
    for (const k in map) {
      const s = map[k]!;
      if (
        Object.keys(s.labels).length === names.length &&
        names.every((n) => String(s.labels[n]) === String(labels[n]))
      ) {
        if (typeof s.sum !== 'number' || typeof s.count !== 'number' || typeof s.bucketValues !== 'object') return;
        series = s;
        key = k;
        return;
      }
    }
  };
  return {
    observe(value) {
      if (series !== undefined && internal.hashMap === map && map![key] === series && Number.isFinite(value)) {
        series.sum += value;
        series.count += 1;
        const bounds = internal.upperBounds!;
        for (let i = 0; i < bounds.length; i++) {
          const bound = bounds[i]!;
          if (value <= bound) {
            series.bucketValues[bound]! += 1;
            break;
          }
        }
        return;
      }
      child.observe(value);
      find();
    },
  };
}

/** The metrics every process exports; services register their own on `registry`. */
export interface Metrics {
  registry: Registry;
  grpcServerHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code' | 'protocol'>;
  grpcServerHandling: Histogram<'grpc_service' | 'grpc_method' | 'protocol'>;
  grpcClientHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  grpcClientHandling: Histogram<'grpc_service' | 'grpc_method'>;
  dbQueryDuration: Histogram<'operation'>;
}

// A component may be built more than once on one registry (two caches, two producers, an app restarted
// in a test); prom-client refuses a second registration, so these return the metric already registered.

/** The counter registered under `config.name`, or a new one on `registry`. */
export function counterOnce<L extends string = string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter<L>({ ...config, registers: [registry] })
  );
}

/** The gauge registered under `config.name`, or a new one on `registry`. */
export function gaugeOnce<L extends string = string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
    new Gauge<L>({ ...config, registers: [registry] })
  );
}

/** The histogram registered under `config.name`, or a new one on `registry`. */
export function histogramOnce<L extends string = string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
    new Histogram<L>({ ...config, registers: [registry] })
  );
}

/** Creates the process registry with default process metrics and RED metrics for gRPC and SQL. */
export function createMetrics(service: string): Metrics {
  // OpenMetrics: the only exposition format that carries exemplars (a sampled request's trace id beside the
  // bucket it fell in, which Grafana links to the trace). Prometheus asks for it first.
  const registry = new Registry();
  (registry as unknown as Registry<RegistryContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
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
      enableExemplars: true,
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
      enableExemplars: true,
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
