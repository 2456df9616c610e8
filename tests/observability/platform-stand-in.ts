// THE PLATFORM STAND-IN. Some dashboard panels and alerts read series no Pastemesh process can expose: Istio's
// standard metrics (from the Envoy sidecars) and kube-state-metrics' view of Deployments. In a test there is no
// mesh and no cluster, so this small node:http server plays both exporters with a fixed, plausible exposition:
// Istio's label names (https://istio.io/latest/docs/reference/config/metrics/) on a few request paths through
// the mesh (ingress → gateway, gateway → services, a 5xx, a gRPC UNAVAILABLE, a 403 by policy, a UH from the
// caller's side, a v2 canary) and every Deployment fully available. Counters grow with each scrape, so rate()
// over them is real arithmetic. It proves the expressions parse and select what they mean to; it says nothing
// about Istio itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Istio's standard labels on istio_requests_total and istio_request_duration_milliseconds. */
interface IstioPath {
  reporter: 'source' | 'destination';
  source_workload: string;
  destination_workload: string;
  destination_version?: string;
  request_protocol: 'http' | 'grpc';
  response_code: string;
  grpc_response_status?: string;
  response_flags?: string;
  /** Requests added per scrape. */
  perScrape: number;
}

const NAMESPACE = 'pastemesh';
/** The Deployments kube-state-metrics reports on (istio/base/deployments). */
const DEPLOYMENTS = ['gateway', 'auth-svc', 'paste-svc', 'analytics-svc'];

const PATHS: IstioPath[] = [
  {
    reporter: 'destination',
    source_workload: 'istio-ingressgateway',
    destination_workload: 'gateway',
    request_protocol: 'http',
    response_code: '200',
    perScrape: 50,
  },
  {
    reporter: 'destination',
    source_workload: 'istio-ingressgateway',
    destination_workload: 'gateway',
    request_protocol: 'http',
    response_code: '503',
    perScrape: 1,
  },
  {
    reporter: 'destination',
    source_workload: 'gateway',
    destination_workload: 'paste-svc',
    request_protocol: 'grpc',
    response_code: '200',
    grpc_response_status: '0',
    perScrape: 40,
  },
  {
    reporter: 'destination',
    source_workload: 'gateway',
    destination_workload: 'paste-svc',
    destination_version: 'v2',
    request_protocol: 'grpc',
    response_code: '200',
    grpc_response_status: '0',
    perScrape: 4,
  },
  {
    reporter: 'destination',
    source_workload: 'gateway',
    destination_workload: 'analytics-svc',
    request_protocol: 'grpc',
    response_code: '200',
    grpc_response_status: '14',
    perScrape: 1,
  },
  {
    reporter: 'destination',
    source_workload: 'unknown',
    destination_workload: 'auth-svc',
    request_protocol: 'grpc',
    response_code: '403',
    perScrape: 1,
  },
  {
    reporter: 'source',
    source_workload: 'gateway',
    destination_workload: 'analytics-svc',
    request_protocol: 'grpc',
    response_code: '503',
    response_flags: 'UH',
    perScrape: 1,
  },
];

/** Request-duration buckets (ms) as Istio exports them, and the share of requests at or below each. */
const DURATION_BUCKETS: [string, number][] = [
  ['1', 0.1],
  ['5', 0.5],
  ['10', 0.7],
  ['25', 0.85],
  ['50', 0.93],
  ['100', 0.97],
  ['250', 0.99],
  ['500', 0.995],
  ['1000', 0.998],
  ['2500', 1],
  ['5000', 1],
  ['+Inf', 1],
];

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

function istioLabels(p: IstioPath): Record<string, string> {
  return {
    reporter: p.reporter,
    source_workload: p.source_workload,
    source_workload_namespace: p.source_workload === 'istio-ingressgateway' ? 'istio-system' : NAMESPACE,
    source_app: p.source_workload,
    source_version: 'v1',
    destination_workload: p.destination_workload,
    destination_workload_namespace: NAMESPACE,
    destination_app: p.destination_workload,
    destination_version: p.destination_version ?? 'v1',
    destination_service: `${p.destination_workload}.${NAMESPACE}.svc.cluster.local`,
    destination_service_name: p.destination_workload,
    destination_service_namespace: NAMESPACE,
    request_protocol: p.request_protocol,
    response_code: p.response_code,
    grpc_response_status: p.grpc_response_status ?? '',
    response_flags: p.response_flags ?? '-',
    connection_security_policy: p.reporter === 'destination' ? 'mutual_tls' : 'unknown',
  };
}

/** The exposition after `scrapes` scrapes. */
export function platformExposition(scrapes: number): string {
  const lines = [
    '# HELP istio_requests_total Requests (Istio standard metric; platform stand-in)',
    '# TYPE istio_requests_total counter',
  ];
  for (const p of PATHS) lines.push(`istio_requests_total{${labelText(istioLabels(p))}} ${p.perScrape * scrapes}`);
  lines.push(
    '# HELP istio_request_duration_milliseconds Request duration (Istio standard metric; platform stand-in)',
    '# TYPE istio_request_duration_milliseconds histogram',
  );
  for (const p of PATHS) {
    const labels = istioLabels(p);
    const count = p.perScrape * scrapes;
    for (const [le, share] of DURATION_BUCKETS)
      lines.push(
        `istio_request_duration_milliseconds_bucket{${labelText({ ...labels, le })}} ${Math.round(count * share)}`,
      );
    lines.push(`istio_request_duration_milliseconds_sum{${labelText(labels)}} ${count * 12}`);
    lines.push(`istio_request_duration_milliseconds_count{${labelText(labels)}} ${count}`);
  }
  lines.push(
    '# HELP kube_deployment_status_replicas_unavailable Unavailable replicas (kube-state-metrics; platform stand-in)',
    '# TYPE kube_deployment_status_replicas_unavailable gauge',
  );
  for (const deployment of DEPLOYMENTS)
    lines.push(`kube_deployment_status_replicas_unavailable{namespace="${NAMESPACE}",deployment="${deployment}"} 0`);
  return `${lines.join('\n')}\n`;
}

/** A running stand-in: scrape `address` (host:port) at /metrics. */
export interface PlatformStandIn {
  address: string;
  stop(): Promise<void>;
}

/** Serves the platform's series on a free loopback port. */
export async function startPlatformStandIn(): Promise<PlatformStandIn> {
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(platformExposition(scrapes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
