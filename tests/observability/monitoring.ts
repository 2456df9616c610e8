// What istio/monitoring ships, read once for the monitoring suites: every PromQL expression of every Grafana
// dashboard (panel targets and template variables) and of every alert rule, each with where it came from.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** istio/monitoring in this checkout. */
export const MONITORING_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../istio/monitoring');
export const DASHBOARDS_DIR = path.join(MONITORING_DIR, 'dashboards');
export const ALERTS_FILE = path.join(MONITORING_DIR, 'alerts', 'pastemesh-alerts.yaml');
/**
 * Request-duration histograms the processes record with the sampled request's trace id as an exemplar (label
 * trace_id): the kit's RPC metrics in every process, and the gateway's HTTP edge. The panels reading them ask
 * Grafana for exemplars.
 */
export const EXEMPLAR_HISTOGRAMS = [
  'grpc_server_handling_seconds_bucket',
  'grpc_client_handling_seconds_bucket',
  'http_server_request_duration_seconds_bucket',
];
/** promtool's unit tests of the alert rules. */
export const ALERTS_TEST_FILE = path.join(MONITORING_DIR, 'alerts', 'pastemesh-alerts.test.yaml');

/** A panel target of a dashboard. */
export interface PanelTarget {
  /** `<file>: <panel title> [<refId>]`. */
  where: string;
  expr: string;
  legendFormat: string | undefined;
  exemplar: boolean;
}

/** A template variable that Grafana fills from a Prometheus query. */
export interface QueryVariable {
  /** `<file>: $<name>`. */
  where: string;
  name: string;
  query: string;
  /** What "All" stands for in expressions (Grafana's allValue; `.*` here). */
  allValue: string;
}

/** One dashboard file. */
export interface Dashboard {
  file: string;
  targets: PanelTarget[];
  variables: QueryVariable[];
}

interface RawDashboard {
  panels: { title: string; targets?: { refId: string; expr: string; legendFormat?: string; exemplar?: boolean }[] }[];
  templating: {
    list: { name: string; type: string; query: string | { query: string }; includeAll?: boolean; allValue?: string }[];
  };
}

/** Every dashboard under istio/monitoring/dashboards. */
export function readDashboards(): Dashboard[] {
  return fs
    .readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const d = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8')) as RawDashboard;
      return {
        file,
        targets: d.panels.flatMap((p) =>
          (p.targets ?? []).map((t) => ({
            where: `${file}: ${p.title} [${t.refId}]`,
            expr: t.expr,
            legendFormat: t.legendFormat,
            exemplar: t.exemplar === true,
          })),
        ),
        variables: d.templating.list
          .filter((v) => v.type === 'query')
          .map((v) => ({
            where: `${file}: $${v.name}`,
            name: v.name,
            query: typeof v.query === 'string' ? v.query : v.query.query,
            allValue: v.includeAll ? (v.allValue ?? '.*') : '.*',
          })),
      };
    });
}

/** One alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alert rules file as Prometheus reads it. */
export interface AlertRulesFile {
  groups: { name: string; rules: AlertRule[] }[];
}

/** The rules of istio/monitoring/alerts/pastemesh-alerts.yaml. */
export function readAlertRules(): AlertRule[] {
  const file = parse(fs.readFileSync(ALERTS_FILE, 'utf8')) as AlertRulesFile;
  return file.groups.flatMap((g) => g.rules);
}
