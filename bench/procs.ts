// Child processes for the benchmark: each service, each baseline and the load generator run in their own
// process, so CPU time and RSS can be read per process from /proc (Linux only).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortsBelowEphemeral } from '@pastemesh/kit/testing';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** A running child process. */
export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines it wrote (shown when it dies early). */
  tail(): string;
  stop(): Promise<void>;
}

/** Runs `node <args>` with `env`; `tsx` adds the TypeScript loader. */
export function spawnNode(name: string, args: string[], env: Record<string, string | undefined>, tsx = false): Proc {
  const nodeArgs = [...(tsx ? ['--import', 'tsx'] : []), ...args];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const logDir = process.env['BENCH_PROC_LOG_DIR'];
  if (logDir) {
    const file = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid!,
    child,
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The bench's ports: below the ephemeral range and apart from the fault suite's (see freePortsBelowEphemeral). */
const BENCH_PORTS = { from: 12_000, size: 8_000 };

/** `count` distinct ports free right now, for processes that bind them later. */
export function freePorts(count: number): Promise<number[]> {
  return freePortsBelowEphemeral(count, BENCH_PORTS);
}

/** Waits until `url` answers 200, or fails naming the process and its last output. */
export async function waitReady(proc: Proc, url: string, timeoutMs = 60_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited during start-up:\n${proc.tail()}`);
    try {
      const res = await fetch(url, init);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** User + system CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

/** Current resident set of a process, in MiB. */
export function rssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU used and peak RSS per process over one measured window. */
export interface WindowUsage {
  cpuMs: Record<string, number>;
  peakRssMiB: Record<string, number>;
}

/** Samples RSS every 100 ms and CPU at both ends of a window. */
export function startUsage(procs: Proc[]): { stop(): WindowUsage } {
  const cpu0 = new Map(procs.map((p) => [p.name, cpuMs(p.pid)]));
  const peak = new Map(procs.map((p) => [p.name, rssMiB(p.pid)]));
  const timer = setInterval(() => {
    for (const p of procs) peak.set(p.name, Math.max(peak.get(p.name) ?? 0, rssMiB(p.pid)));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const usage: WindowUsage = { cpuMs: {}, peakRssMiB: {} };
      for (const p of procs) {
        usage.cpuMs[p.name] = cpuMs(p.pid) - cpu0.get(p.name)!;
        usage.peakRssMiB[p.name] = Math.max(peak.get(p.name)!, rssMiB(p.pid));
      }
      return usage;
    },
  };
}
