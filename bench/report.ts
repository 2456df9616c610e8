// Turns measurements into the ratio table (medians with min–max over rounds) and the target checks.
import type { Measurement } from './runner.js';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const spread = (xs: number[], digits: number) =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;

/** The baselines' processes: idle while their scenario's own window runs. */
const BASELINE_PROCS = new Set(['bare-http', 'apollo-alone', 'mysql-insert']);

/** One row: a scenario against its baseline over all rounds. */
export interface Row {
  mode: string;
  scenario: string;
  label: string;
  baseline: string;
  rps: number[];
  baselineRps: number[];
  ratio: number[];
  p50: number[];
  p99: number[];
  /** Median CPU µs/request per process (only processes that did work). */
  cpuUs: Record<string, number>;
  /** Max peak RSS per process over the rounds, MiB. */
  peakRss: Record<string, number>;
}

/** Pairs each scenario window with the baseline window of the same round. */
export function rows(
  mode: string,
  labels: Record<string, string>,
  runs: Measurement[],
  baselineOf: Record<string, string>,
): Row[] {
  const out: Row[] = [];
  for (const scenario of Object.keys(labels)) {
    const mine = runs.filter((m) => m.scenario === scenario && m.target !== 'baseline');
    if (mine.length === 0) continue;
    const base = runs.filter((m) => m.scenario === scenario && m.target === 'baseline');
    const ratio = mine.map((m) => {
      const b = base.find((x) => x.round === m.round);
      return b ? m.rps / b.rps : NaN;
    });
    const cpuUs: Record<string, number> = {};
    const peakRss: Record<string, number> = {};
    for (const name of Object.keys(mine[0]!.cpuUsPerReq)) {
      const us = median(mine.map((m) => m.cpuUsPerReq[name] ?? 0));
      if (us >= 1 && !BASELINE_PROCS.has(name)) cpuUs[name] = us;
      peakRss[name] = Math.max(...mine.map((m) => m.usage.peakRssMiB[name] ?? 0));
    }
    out.push({
      mode,
      scenario,
      label: labels[scenario]!,
      baseline: baselineOf[scenario]!,
      rps: mine.map((m) => m.rps),
      baselineRps: base.map((m) => m.rps),
      ratio,
      p50: mine.map((m) => m.p50),
      p99: mine.map((m) => m.p99),
      cpuUs,
      peakRss,
    });
  }
  return out;
}

const SHORT: Record<string, string> = {
  gateway: 'gw',
  'gateway-cold': 'gw-cold',
  'gateway-miss': 'gw-miss',
  'gateway-store': 'gw-store',
  'paste-svc-store': 'paste-store',
  'paste-svc': 'paste',
  'paste-svc-miss': 'paste-miss',
  'auth-svc': 'auth',
  'analytics-svc': 'analytics',
  load: 'load',
};

/** The table printed at the end (markdown, so it can go straight into bench/README.md). */
export function table(all: Row[]): string {
  const lines = [
    '| mode | scenario | req/s | baseline req/s | ratio | p50 ms | p99 ms | CPU µs/req |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of all) {
    const cpu = Object.entries(r.cpuUs)
      .filter(([name]) => name !== 'load')
      .map(([name, us]) => `${SHORT[name] ?? name} ${fmt(us)}`)
      .join(', ');
    lines.push(
      `| ${r.mode} | ${r.label} | ${spread(r.rps, 0)} | ${r.baseline} ${fmt(median(r.baselineRps))} | ${spread(r.ratio, 3)} | ${spread(r.p50, 1)} | ${spread(r.p99, 1)} | ${cpu} |`,
    );
  }
  return lines.join('\n');
}

/** Peak RSS per process over every window of a mode. */
export function rssTable(mode: string, runs: Measurement[]): string {
  const peak: Record<string, number> = {};
  for (const m of runs)
    for (const [name, mib] of Object.entries(m.usage.peakRssMiB)) peak[name] = Math.max(peak[name] ?? 0, mib);
  return `peak RSS under load (${mode}): ${Object.entries(peak)
    .map(([name, mib]) => `${name} ${fmt(mib)} MiB`)
    .join(', ')}`;
}

/** A target line: PASS/MISS with the numbers that decide it. */
export function target(name: string, ok: boolean, detail: string): string {
  return `${ok ? 'PASS' : 'MISS'}  ${name}: ${detail}`;
}
