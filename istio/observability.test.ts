import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parse } from 'yaml';
import { ISTIO_DIR, ROOT_DIR } from './render-overlays.js';

const DASHBOARDS = path.join(ISTIO_DIR, 'monitoring', 'dashboards');
const ALERTS = path.join(ISTIO_DIR, 'monitoring', 'alerts', 'pastemesh-alerts.yaml');

/** Istio's standard metrics (https://istio.io/latest/docs/reference/config/metrics/). */
const ISTIO_STANDARD = [
  'istio_requests_total',
  'istio_request_duration_milliseconds',
  'istio_request_bytes',
  'istio_response_bytes',
  'istio_request_messages_total',
  'istio_response_messages_total',
  'istio_tcp_sent_bytes_total',
  'istio_tcp_received_bytes_total',
  'istio_tcp_connections_opened_total',
  'istio_tcp_connections_closed_total',
];
/** Not exported by code: Prometheus's own `up`, and kube-state-metrics' view of pods that are not Ready. */
const PLATFORM = ['up', 'kube_deployment_status_replicas_unavailable'];

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression (or Grafana variable query) reads. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  let text = expr.replace(/label_values\(\s*([a-zA-Z_:][\w:]*)[^)]*\)/g, ' $1 ');
  text = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  for (const m of text.matchAll(/[a-zA-Z_:][\w:]*(\s*\()?/g)) {
    if (m[1]) continue; // a function or aggregation
    if (!PROMQL_WORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL expression in the dashboards, with where it came from. */
function dashboardExprs(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const file of fs.readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8'));
    for (const p of d.panels) for (const t of p.targets ?? []) out.push({ where: `${file}: ${p.title}`, expr: t.expr });
    for (const v of d.templating.list)
      if (v.type === 'query') out.push({ where: `${file}: $${v.name}`, expr: v.query.query ?? v.query });
  }
  return out;
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alertFile = parse(fs.readFileSync(ALERTS, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
const alertRules = alertFile.groups.flatMap((g) => g.rules);

/** The source text of every non-test TypeScript file in the services and the kit. */
function sourceText(): string {
  const parts: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(full);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) parts.push(fs.readFileSync(full, 'utf8'));
    }
  };
  for (const pkg of ['kit', 'gateway', 'auth-svc', 'paste-svc', 'analytics-svc']) walk(path.join(ROOT_DIR, pkg, 'src'));
  return parts.join('\n');
}

async function defaultMetricNames(): Promise<string[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return (await registry.getMetricsAsJSON()).map((m) => m.name);
}

/** Whether `name` (or the histogram it is a series of) is exported by the code, prom-client, Istio or the platform. */
function makeIsKnown(source: string, defaults: string[]) {
  const exported = (n: string) =>
    new RegExp(`['"\`]${n}['"\`]`).test(source) ||
    defaults.includes(n) ||
    ISTIO_STANDARD.includes(n) ||
    PLATFORM.includes(n);
  return (name: string) => exported(name) || exported(name.replace(/_(bucket|sum|count)$/, ''));
}

describe('metric names in dashboards and alerts', () => {
  it('reads metric names out of PromQL, skipping functions, labels, variables and numbers', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (service, le) (rate(grpc_server_handling_seconds_bucket{service=~"$service", x="a_b"}[$__rate_interval]))) * 1e9 > on (pod) up',
      ),
    ).toEqual(['grpc_server_handling_seconds_bucket', 'up']);
    expect(metricNames('label_values(istio_requests_total{a="b"}, destination_workload)')).toEqual([
      'istio_requests_total',
    ]);
  });

  it('names only metrics that the code exports (or prom-client defaults, Istio standard metrics, up)', async () => {
    const isKnown = makeIsKnown(sourceText(), await defaultMetricNames());
    const used = [...dashboardExprs(), ...alertRules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))];
    expect(used.length).toBeGreaterThan(40);
    const unknown = used.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => !isKnown(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('covers the RED metrics of the mesh and of the services, and the breaker, producer, sweeper, rate-limit and GraphQL metrics', () => {
    const all = new Set(
      [...dashboardExprs(), ...alertRules.map((r) => ({ where: '', expr: r.expr }))].flatMap(({ expr }) =>
        metricNames(expr),
      ),
    );
    for (const name of [
      'istio_requests_total',
      'istio_request_duration_milliseconds_bucket',
      'grpc_server_handled_total',
      'grpc_server_handling_seconds_bucket',
      'cache_requests_total',
      'gateway_breaker_state',
      'analytics_producer_buffer_events',
      'analytics_producer_events_dropped_total',
      'paste_sweeper_deleted_total',
      'rate_limit_rejections_total',
      'graphql_operation_duration_seconds_bucket',
    ]) {
      expect([name, all.has(name)]).toEqual([name, true]);
    }
  });
});

describe('the Grafana dashboards', () => {
  const files = fs.readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));

  it('are valid JSON with unique uids, a Prometheus data source variable and placed panels', () => {
    const uids = files.map((f) => JSON.parse(fs.readFileSync(path.join(DASHBOARDS, f), 'utf8')).uid);
    expect(new Set(uids).size).toBe(files.length);
    for (const f of files) {
      const d = JSON.parse(fs.readFileSync(path.join(DASHBOARDS, f), 'utf8'));
      expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      for (const p of d.panels) {
        expect(p.gridPos).toEqual({
          x: expect.any(Number),
          y: expect.any(Number),
          w: expect.any(Number),
          h: expect.any(Number),
        });
        if (p.type !== 'row') expect(p.targets.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('the alert rules', () => {
  it('alert on error rate, latency, an open breaker, dropped analytics events and a service not ready', () => {
    expect(alertRules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PastemeshHighErrorRate',
        'PastemeshHighLatency',
        'PastemeshBreakerOpen',
        'PastemeshAnalyticsEventsDropped',
        'PastemeshServiceNotReady',
      ]),
    );
  });

  it('have a name, an expression, a severity and a summary each', () => {
    for (const g of alertFile.groups) {
      expect(g.name).toMatch(/^pastemesh\./);
      for (const r of g.rules) {
        expect(r).toEqual(
          expect.objectContaining({ alert: expect.stringMatching(/^Pastemesh[A-Z]\w+$/), expr: expect.any(String) }),
        );
        expect(['page', 'ticket']).toContain(r.labels?.severity);
        expect(r.annotations?.summary).toEqual(expect.any(String));
        if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
      }
    }
  });

  it('pass promtool check rules', () => {
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (promtool.status !== 0)
      throw new Error("promtool not found: install Debian's prometheus package (apt-get install prometheus)");
    const out = execFileSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });
});
