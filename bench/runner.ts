// Drives the load-generator process and measures each window: throughput and latency from autocannon,
// CPU and peak RSS of every process from /proc.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../scripts/mesh/services.js';
import { startUsage, type Proc, type WindowUsage } from './usage.js';
import type { LoadJob, LoadKind, LoadResult } from './load.js';

/** One measured window. */
export interface Measurement extends LoadResult {
  scenario: string;
  target: string;
  round: number;
  connections: number;
  usage: WindowUsage;
  /** CPU µs per request, per process. */
  cpuUsPerReq: Record<string, number>;
  extra?: Record<string, unknown>;
}

export interface Windows {
  warmupS: number;
  durationS: number;
}

export class LoadRunner {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  readonly proc: Proc;

  constructor() {
    this.child = fork(path.join(ROOT, 'bench', 'load.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve) => this.child.once('message', () => resolve()));
    const child = this.child;
    this.proc = { name: 'load', pid: child.pid!, child, tail: () => '', stop: async () => void child.kill() };
  }

  /**
   * A before/after of two builds (ab-gateway.ts, ab-paste.ts): `rounds` rounds of one window each against
   * `urls.after` and `urls.before`, which one goes first swapping every round (an identical-bundle A/B showed
   * the first of a pair up to 10% off). `seen` gets each window as it ends.
   */
  async alternate(
    scenario: { name: string; load: LoadKind; connections: number },
    urls: { after: string; before: string },
    rounds: number,
    windows: Windows,
    procs: () => Proc[],
    seen: (which: 'after' | 'before', m: Measurement, round: number) => void,
  ): Promise<void> {
    for (let round = 1; round <= rounds; round++) {
      for (const which of round % 2 === 1 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
        const label = { scenario: scenario.name, target: which, round };
        seen(
          which,
          await this.measure(label, urls[which], scenario.load, scenario.connections, windows, procs()),
          round,
        );
      }
    }
  }

  /** Runs one job against `url`; `procs` are measured from the end of the warm-up to the end of the window. */
  async measure(
    label: { scenario: string; target: string; round: number },
    url: string,
    load: LoadKind,
    connections: number,
    windows: Windows,
    procs: Proc[],
    onStart?: () => void,
    rate?: number,
  ): Promise<Measurement> {
    await this.ready;
    const job: LoadJob = {
      url,
      load,
      connections,
      ...(rate ? { rate } : {}),
      warmupS: windows.warmupS,
      durationS: windows.durationS,
    };
    let usage: ReturnType<typeof startUsage> | undefined;
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const onMessage = (msg: { type: string; result?: LoadResult; message?: string }) => {
        if (msg.type === 'measuring') {
          usage = startUsage([...procs, this.proc]);
          onStart?.();
        } else if (msg.type === 'result') {
          this.child.off('message', onMessage);
          resolve(msg.result!);
        } else if (msg.type === 'error') {
          this.child.off('message', onMessage);
          reject(new Error(msg.message));
        }
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'run', job });
    });
    const u = usage!.stop();
    const cpuUsPerReq: Record<string, number> = {};
    for (const [name, ms] of Object.entries(u.cpuMs))
      cpuUsPerReq[name] = result.requests > 0 ? (ms * 1000) / result.requests : 0;
    if (result.errors + result.timeouts + result.non2xx > 0) {
      console.warn(
        `    ! ${label.scenario} on ${label.target}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
      );
    }
    return { ...label, connections, ...result, usage: u, cpuUsPerReq };
  }

  close(): void {
    this.child.kill();
  }
}
