// A real Prometheus server for a test: Debian's `prometheus` binary on a free port, with its own temporary data
// folder and a generated configuration (static scrape targets, the rule files, a short scrape interval), and
// exemplar storage on. Nothing is mocked: queries go to its HTTP API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/** How to get the binaries when they are missing (the suites fail with this rather than skip). */
export const INSTALL_HINT =
  "install Debian's prometheus package (it brings the prometheus server and promtool): `apt-get install prometheus`";

/** Throws, saying how to install it, when `binary` (prometheus or promtool) is not on PATH. */
export function requireBinary(binary: 'prometheus' | 'promtool'): void {
  const found = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error(`${binary} is not installed: ${INSTALL_HINT}`);
}

/** A scrape job: its targets (host:port) and the labels Kubernetes service discovery would have given them. */
export interface ScrapeJob {
  job: string;
  targets: { address: string; labels?: Record<string, string> }[];
  /** Keep the labels the target exposes (a stand-in for an exporter such as kube-state-metrics). */
  honorLabels?: boolean;
}

export interface PrometheusOptions {
  jobs: ScrapeJob[];
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval. Default 1s. */
  interval?: string;
}

/** One sample of an instant query's vector result. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Prometheus's answer to an API call. */
export interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/** A running Prometheus server. */
export interface PrometheusServer {
  url: string;
  /** GET an API path (e.g. `/api/v1/query?query=up`); resolves with the parsed answer, errors included. */
  api<T>(pathAndQuery: string): Promise<ApiAnswer<T>>;
  /** An instant query; its `data.result` is a vector, a scalar or a string as Prometheus returns it. */
  query(expr: string): Promise<ApiAnswer<{ resultType: string; result: unknown }>>;
  /** The last lines Prometheus wrote (for failure messages). */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const START_TRIES = 3;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function configYaml(options: PrometheusOptions): string {
  const interval = options.interval ?? '1s';
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      honor_labels: j.honorLabels ?? false,
      static_configs: j.targets.map((t) => ({ targets: [t.address], labels: t.labels ?? {} })),
    })),
  });
}

/** Waits until `proc` answers /-/ready, or exits, or the time is up. */
async function waitReady(proc: ChildProcess, url: string): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return 'ready';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'timeout';
}

/** Starts Prometheus on a free port (a port taken between choosing and binding is tried again). */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  requireBinary('prometheus');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pastemesh-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, configYaml(options));
  const log: string[] = [];
  const remember = (chunk: Buffer) => {
    log.push(...chunk.toString().split('\n').filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  const logTail = (lines = 20) => log.slice(-lines).join('\n');

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', remember);
    proc.stderr!.on('data', remember);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const state = await waitReady(proc, url);
    if (state === 'ready') {
      const api = async <T>(pathAndQuery: string): Promise<ApiAnswer<T>> => {
        const res = await fetch(`${url}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
        return (await res.json()) as ApiAnswer<T>;
      };
      return {
        url,
        api,
        query: (expr) => api(`/api/v1/query?query=${encodeURIComponent(expr)}`),
        logTail,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGTERM');
            const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(killer);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    proc.kill('SIGKILL');
    await exited;
    const portTaken = /address already in use/i.test(logTail(50));
    if (!portTaken || attempt >= START_TRIES) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus did not start (${state}):\n${logTail()}`);
    }
  }
}
