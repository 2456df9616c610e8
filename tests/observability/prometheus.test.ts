// The dashboards and alerts against a real Prometheus scraping a real mesh. For each storage set-up: the whole
// mesh in this process (startStack), a Prometheus server (Debian's binary, its own temporary data folder) that
// scrapes every process's admin port each second with the alert rules loaded and exemplar storage on, and the
// platform stand-in (platform-stand-in.ts) serving the Istio and kube-state-metrics series no process can. While
// traffic runs, every expression of every panel, template variable and alert is asked of Prometheus.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES, startOtlpReceiver, type OtlpReceiver } from '@pastemesh/kit/testing';
import { startStack, type ServiceName, type Stack } from '../../scripts/stack.js';
import { pollMonitoring, type CheckReport } from './expression-checks.js';
import { ALERTS_FILE, EXEMPLAR_HISTOGRAMS, readAlertRules } from './monitoring.js';
import { startPlatformStandIn, type PlatformStandIn } from './platform-stand-in.js';
import { requireBinary, startPrometheus, type PrometheusServer } from './prometheus-server.js';
import { startTraffic, type Traffic } from './traffic.js';

const PROCESSES: { service: ServiceName; dir: string }[] = [
  { service: 'gateway', dir: 'gateway' },
  { service: 'auth', dir: 'auth-svc' },
  { service: 'paste', dir: 'paste-svc' },
  { service: 'analytics', dir: 'analytics-svc' },
];

/** How long the series may take to appear on a loaded machine (scrapes each second; most appear in 2–5 s). */
const SERIES_TIMEOUT_MS = 30_000;

/**
 * Counters that a panel or an alert watches through rate()/increase() by a label with a known set of values:
 * each must exist at 0 for every value as soon as its process starts, or the first burst after a quiet start
 * never shows (rate() needs a sample before the increase).
 */
const WATCHED_COUNTERS: { service: ServiceName; metric: string; labels: Record<string, string>[] }[] = [
  ...(['gateway', 'paste'] as const).flatMap((service) => {
    const producer = service === 'gateway' ? 'gateway-views' : 'paste-svc';
    return [
      {
        service,
        metric: 'analytics_producer_events_dropped_total',
        labels: ['overflow', 'rejected', 'invalid', 'shutdown'].map((reason) => ({ producer, reason })),
      },
      ...['received', 'sent', 'buffered', 'redelivered'].map((what) => ({
        service,
        metric: `analytics_producer_events_${what}_total`,
        labels: ['view', 'paste'].map((kind) => ({ producer, kind })),
      })),
    ];
  }),
  {
    service: 'gateway',
    metric: 'rate_limit_rejections_total',
    labels: ['read', 'create', 'login', 'bad'].map((scope) => ({ scope })),
  },
  {
    service: 'gateway',
    metric: 'gateway_hot_cache_requests_total',
    labels: ['hit', 'miss'].map((result) => ({ result })),
  },
  {
    service: 'paste',
    metric: 'cache_requests_total',
    labels: ['hit', 'miss', 'error'].map((result) => ({ cache: 'paste', result })),
  },
  {
    service: 'paste',
    metric: 'paste_sweeper_deleted_total',
    labels: ['paste', 'content'].map((kind) => ({ kind })),
  },
  // PastemeshHighErrorRate's failure codes, for a method the traffic below never fails.
  ...(
    [
      ['auth', 'pastemesh.auth.v1.AuthService', 'ChangePassword'],
      ['paste', 'pastemesh.paste.v1.PasteService', 'ListLanguages'],
      ['analytics', 'pastemesh.analytics.v1.AnalyticsService', 'TopPastes'],
    ] as const
  ).map(([service, grpc_service, grpc_method]) => ({
    service,
    metric: 'grpc_server_handled_total',
    labels: ['UNKNOWN', 'INTERNAL', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'DATA_LOSS'].map((grpc_code) => ({
      grpc_service,
      grpc_method,
      protocol: 'grpc',
      grpc_code,
    })),
  })),
  ...['analytics_events_received_total', 'analytics_events_deduplicated_total'].map((metric) => ({
    service: 'analytics' as const,
    metric,
    labels: ['view', 'paste'].map((kind) => ({ kind })),
  })),
];

/** The series line of `metric` with exactly `labels` (and the registry's default `service` label), if any. */
function seriesLine(text: string, metric: string, labels: Record<string, string>): string | undefined {
  return text
    .split('\n')
    .find(
      (line) =>
        line.startsWith(`${metric}{`) &&
        Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)) &&
        (line.slice(line.indexOf('{') + 1, line.indexOf('}')).match(/="/g)?.length ?? 0) ===
          Object.keys(labels).length + 1,
    );
}

/** The Accept header Prometheus 2.x scrapes with. */
const OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const clean = (r: CheckReport) => Object.values(r).every((list) => list.length === 0);

describe.each(STORAGE_MODES)('the dashboards and alerts on a real Prometheus scraping the mesh (%s)', (mode) => {
  let stack: Stack | undefined;
  let standIn: PlatformStandIn | undefined;
  let prom: PrometheusServer | undefined;
  let traffic: Traffic | undefined;
  let otlp: OtlpReceiver | undefined;
  /** Each process's /metrics right after the mesh started, before any traffic. */
  const firstScrapes = new Map<ServiceName, string>();
  let startedAt = 0;

  beforeAll(async () => {
    requireBinary('prometheus');
    startedAt = Date.now() / 1000;
    // Every request traced (as the dev overlay does), so the duration histograms carry trace ids as exemplars.
    otlp = await startOtlpReceiver();
    stack = await startStack({
      mode,
      ports: 'random',
      env: { LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_TRACES_SAMPLER: 'always_on' },
    });
    for (const { service } of PROCESSES) {
      const res = await fetch(`${stack.adminUrl(service)}/metrics`, { signal: AbortSignal.timeout(5_000) });
      firstScrapes.set(service, await res.text());
    }
    standIn = await startPlatformStandIn();
    const mesh = stack;
    prom = await startPrometheus({
      ruleFiles: [ALERTS_FILE],
      jobs: [
        {
          job: 'pastemesh',
          // The labels Kubernetes service discovery gives a pod (the dashboards' legends and alerts use them).
          targets: PROCESSES.map(({ service, dir }) => ({
            address: `127.0.0.1:${mesh.ports[service]['admin']}`,
            labels: { namespace: 'pastemesh', pod: `${dir}-test-0`, app: dir },
          })),
        },
        { job: 'platform-stand-in', targets: [{ address: standIn.address }], honorLabels: true },
      ],
    });
    traffic = startTraffic(stack.gatewayUrl);
  }, 60_000);

  afterAll(async () => {
    await traffic?.stop();
    await prom?.stop();
    await standIn?.stop();
    await stack?.stop();
    await otlp?.close();
  }, 30_000);

  it('starts every process with each watched counter at 0 for every label value', () => {
    const missing = WATCHED_COUNTERS.flatMap(({ service, metric, labels }) =>
      labels.flatMap((l) => {
        const line = seriesLine(firstScrapes.get(service)!, metric, l);
        return line && Number(line.slice(line.lastIndexOf(' ') + 1)) === 0
          ? []
          : [`${service}: ${metric}${JSON.stringify(l)} ${line ? `is ${line}` : 'is missing'}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  it('parses every panel, variable and alert expression, finds their series and labels, and gets data back', async () => {
    const report = await pollMonitoring(prom!, clean, SERIES_TIMEOUT_MS);
    expect({ ...report, trafficFailures: report.data.length ? traffic!.failures() : [] }).toEqual({
      parse: [],
      names: [],
      labels: [],
      data: [],
      variables: [],
      trafficFailures: [],
    });
    expect(traffic!.rounds()).toBeGreaterThan(0);
  }, 60_000);

  it('evaluates every alert rule without an error', async () => {
    type Rules = { groups: { rules: { name: string; health: string; lastError?: string; type: string }[] }[] };
    let rules: Rules['groups'][number]['rules'] = [];
    const deadline = Date.now() + SERIES_TIMEOUT_MS;
    do {
      const answer = await prom!.api<Rules>('/api/v1/rules?type=alert');
      rules = answer.data?.groups.flatMap((g) => g.rules) ?? [];
      if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    expect(rules.map((r) => r.name).sort()).toEqual(
      readAlertRules()
        .map((r) => r.alert)
        .sort(),
    );
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual(
      [],
    );
  });

  it('keeps exemplars with a trace_id for every request-duration histogram the panels show them on', async () => {
    type Exemplars = { exemplars: { labels: Record<string, string> }[] }[];
    const withTraceId = async (metric: string) => {
      const answer = await prom!.api<Exemplars>(
        `/api/v1/query_exemplars?query=${metric}&start=${startedAt}&end=${Date.now() / 1000}`,
      );
      return (answer.data ?? []).flatMap((s) => s.exemplars).filter((x) => x.labels['trace_id']).length;
    };
    const found: Record<string, boolean> = {};
    const deadline = Date.now() + SERIES_TIMEOUT_MS;
    do {
      for (const metric of EXEMPLAR_HISTOGRAMS) found[metric] ||= (await withTraceId(metric)) > 0;
      if (Object.values(found).every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    } while (Date.now() < deadline);
    // What the admin ports serve when asked as Prometheus asks: says which side is missing on a failure.
    const served: Record<string, string> = {};
    if (!Object.values(found).every(Boolean))
      for (const { service } of PROCESSES) {
        const res = await fetch(`${stack!.adminUrl(service)}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } });
        const lines = (await res.text()).split('\n').filter((l) => l.includes('_bucket{') && l.includes(' # {'));
        served[service] = `${res.headers.get('content-type')}; ${lines.length} bucket lines with an exemplar`;
      }
    expect({ found, served }).toEqual({
      found: Object.fromEntries(EXEMPLAR_HISTOGRAMS.map((m) => [m, true])),
      served: {},
    });
  }, 60_000);
});
