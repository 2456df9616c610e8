// Every expression istio/monitoring ships, asked of a real Prometheus: does it parse, does every metric it names
// have a series, do the labels it filters, groups and labels legends by exist, does it return data, and do the
// template variables find values. Alerts are evaluated without their final threshold, so a rule that is simply
// not firing still has to find its series.
import { readAlertRules, readDashboards } from './monitoring.js';
import type { PrometheusServer, VectorSample } from './prometheus-server.js';
import {
  fillGrafanaVariables,
  legendLabels,
  parseLabelValues,
  promqlParts,
  withoutThreshold,
  type GrafanaTimes,
  type Selector,
} from './promql.js';

/** Grafana's built-ins for a 1 s scrape interval: $__rate_interval is four scrapes; 20 s keeps a loaded machine's late scrapes in. */
export const TEST_TIMES: GrafanaTimes = { rateInterval: '20s', interval: '5s', range: '5m' };

/**
 * Selectors that may be empty on a healthy mesh because they select a failure (the matcher is the condition).
 * Each entry is a matcher as written; the selector without it must still return data, and the label must exist.
 */
export const CONDITION_MATCHERS: Record<string, string> = {
  'grpc_code=~"UNKNOWN|INTERNAL|UNAVAILABLE|DEADLINE_EXCEEDED|DATA_LOSS"':
    'server-side failure codes: a healthy mesh answers none (callers’ mistakes are generated; these are not)',
};

/** One expression to check, from a panel target or an alert rule. */
export interface CheckedExpression {
  where: string;
  /** As Prometheus gets it (Grafana variables filled in). */
  expr: string;
  /** What must return data: the expression itself, or an alert's expression without its threshold. */
  dataExpr: string;
  legendFormat: string | undefined;
}

/** Problems found, by kind; every list empty means the monitoring fits the mesh. */
export interface CheckReport {
  /** Expressions Prometheus refused. */
  parse: string[];
  /** Metric names with no series at all. */
  names: string[];
  /** Label names that no series of the metric carries (filters, by/without/on, legends). */
  labels: string[];
  /** Expressions and selectors that return nothing (beyond the allowed conditions). */
  data: string[];
  /** Template variables that find no values. */
  variables: string[];
}

/** Every panel target and alert rule, with variables filled in as Grafana's "All" would. */
export function monitoringExpressions(): CheckedExpression[] {
  const out: CheckedExpression[] = [];
  for (const d of readDashboards()) {
    const vars = Object.fromEntries(d.variables.map((v) => [v.name, v.allValue]));
    for (const t of d.targets) {
      const expr = fillGrafanaVariables(t.expr, vars, TEST_TIMES);
      out.push({ where: t.where, expr, dataExpr: expr, legendFormat: t.legendFormat });
    }
  }
  for (const r of readAlertRules())
    out.push({
      where: `alert ${r.alert}`,
      expr: r.expr.trim(),
      dataExpr: withoutThreshold(r.expr) ?? r.expr.trim(),
      legendFormat: undefined,
    });
  return out;
}

const matcherText = (m: Selector['matchers'][number]) => `${m.label}${m.op}${JSON.stringify(m.value)}`;

/** The selector written again without the matchers in `drop`. */
function selectorWithout(s: Selector, drop: Set<string>): string {
  const kept = s.matchers.filter((m) => !drop.has(matcherText(m)) && m.label !== '__name__');
  return `${s.name ?? ''}{${kept.map(matcherText).join(', ')}}`;
}

/** Runs every check once against `prom`. */
export async function checkMonitoring(prom: PrometheusServer): Promise<CheckReport> {
  const report: CheckReport = { parse: [], names: [], labels: [], data: [], variables: [] };
  const results = new Map<string, Promise<{ error?: string; samples: VectorSample[] }>>();
  const run = (expr: string) => {
    let r = results.get(expr);
    if (!r) {
      r = prom.query(expr).then((a) => ({
        ...(a.status === 'success' ? {} : { error: `${a.errorType}: ${a.error}` }),
        samples: a.data?.resultType === 'vector' ? (a.data.result as VectorSample[]) : [],
      }));
      results.set(expr, r);
    }
    return r;
  };
  const labelNames = new Map<string, Promise<Set<string>>>();
  const labelsOf = (name: string) => {
    let r = labelNames.get(name);
    if (!r) {
      r = prom.api<string[]>(`/api/v1/labels?match[]=${encodeURIComponent(name)}`).then((a) => new Set(a.data ?? []));
      labelNames.set(name, r);
    }
    return r;
  };

  for (const e of monitoringExpressions()) {
    const parsed = await run(e.expr);
    if (parsed.error) {
      report.parse.push(`${e.where}: ${parsed.error}\n  ${e.expr}`);
      continue;
    }
    const { selectors, groupingLabels } = promqlParts(e.expr);
    const names = [...new Set(selectors.flatMap((s) => (s.name ? [s.name] : [])))];
    const missingNames = new Set<string>();
    for (const name of names)
      if ((await run(`count({__name__="${name}"})`)).samples.length === 0) {
        missingNames.add(name);
        report.names.push(`${e.where}: no series named ${name}`);
      }

    const allLabels = new Set<string>();
    for (const name of names) for (const l of await labelsOf(name)) allLabels.add(l);
    for (const s of selectors) {
      if (!s.name || missingNames.has(s.name)) continue;
      const own = await labelsOf(s.name);
      for (const m of s.matchers)
        if (m.label !== '__name__' && !own.has(m.label))
          report.labels.push(`${e.where}: ${s.name} has no label ${m.label} (filtered by ${matcherText(m)})`);
    }
    if (missingNames.size === 0)
      for (const l of groupingLabels)
        if (!allLabels.has(l)) report.labels.push(`${e.where}: grouped by ${l}, which none of ${names.join(', ')} has`);

    // Data: every selector (unless empty only by an allowed condition), then the expression itself.
    let conditionEmpty = false;
    for (const s of selectors) {
      if (s.name && missingNames.has(s.name)) continue;
      if ((await run(s.text)).samples.length > 0) continue;
      const conditions = new Set(s.matchers.map(matcherText).filter((m) => m in CONDITION_MATCHERS));
      if (conditions.size > 0 && (await run(selectorWithout(s, conditions))).samples.length > 0) {
        conditionEmpty = true;
        continue;
      }
      report.data.push(`${e.where}: ${s.text} selects nothing`);
    }
    const data = await run(e.dataExpr);
    if (data.error) report.parse.push(`${e.where}: ${data.error}\n  ${e.dataExpr}`);
    else if (data.samples.length === 0 && !conditionEmpty && missingNames.size === 0)
      report.data.push(`${e.where}: returns nothing\n  ${e.dataExpr}`);
    for (const label of legendLabels(e.legendFormat))
      if (data.samples.some((s) => !(label in s.metric)))
        report.labels.push(`${e.where}: legend names {{${label}}}, which its result series lack`);
  }

  for (const d of readDashboards())
    for (const v of d.variables) {
      const lv = parseLabelValues(v.query);
      if (!lv) {
        report.variables.push(`${v.where}: not a label_values(…) query: ${v.query}`);
        continue;
      }
      const match = lv.match ? `?match[]=${encodeURIComponent(fillGrafanaVariables(lv.match, {}, TEST_TIMES))}` : '';
      const answer = await prom.api<string[]>(`/api/v1/label/${lv.label}/values${match}`);
      if (answer.status !== 'success') report.variables.push(`${v.where}: ${answer.errorType}: ${answer.error}`);
      else if ((answer.data ?? []).length === 0) report.variables.push(`${v.where}: ${v.query} finds no values`);
    }
  return report;
}

/** Polls checkMonitoring until `done(report)` or the deadline; resolves with the last report. */
export async function pollMonitoring(
  prom: PrometheusServer,
  done: (r: CheckReport) => boolean,
  timeoutMs: number,
): Promise<CheckReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await checkMonitoring(prom);
    if (done(report) || Date.now() >= deadline) return report;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
