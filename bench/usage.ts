// What the bench reads about its processes (Linux /proc): CPU time and resident memory, per process, over a
// measured window. The processes themselves are started by scripts/mesh (the mesh: bench/mesh.ts; baselines and
// other servers: spawnNode).
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { rssBytes } from '../scripts/mesh/child-process.js';

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** A process the bench measures by pid and stops afterwards (MariaDB and Redis are measured, never stopped). */
export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines it wrote (shown when it dies early). */
  tail(): string;
  stop(): Promise<void>;
}

/** The bench's own process, measured like the others (it drains every child's stdout: the access log's lines too). */
export const benchProc: Proc = {
  name: 'bench',
  pid: process.pid,
  child: undefined as never,
  tail: () => '',
  stop: async () => {},
};

/** MariaDB and Redis are shared servers, not ours to start: their CPU is read by pid (other people's load included). */
export function serverProcs(): Proc[] {
  const found: Proc[] = [];
  for (const [name, exe] of [
    ['mariadbd', 'mariadbd'],
    ['redis', 'redis-server'],
  ] as const) {
    try {
      const pid = Number(execFileSync('pgrep', ['-o', '-x', exe]).toString().trim());
      if (pid) found.push({ name, pid, child: undefined as never, tail: () => '', stop: async () => {} });
    } catch {
      // not running here (a remote server): not measured
    }
  }
  return found;
}

/** User + system CPU time of a process so far, in ms; with `thread`, of that thread only (its main thread: its pid). */
export function cpuMs(pid: number, thread?: number): number {
  try {
    const stat = fs.readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

/** Current resident set of a process, in MiB. */
export const rssMiB = (pid: number): number => rssBytes(pid) / 1024 / 1024;

/** CPU used and peak RSS per process over one measured window. */
export interface WindowUsage {
  cpuMs: Record<string, number>;
  /** Of cpuMs, what the main thread (JavaScript, and GC work done there) used; the rest is V8's and libuv's threads. */
  mainCpuMs: Record<string, number>;
  peakRssMiB: Record<string, number>;
}

/** Samples RSS every 100 ms and CPU at both ends of a window. */
export function startUsage(procs: Proc[]): { stop(): WindowUsage } {
  const cpu0 = new Map(procs.map((p) => [p.name, cpuMs(p.pid)]));
  const main0 = new Map(procs.map((p) => [p.name, cpuMs(p.pid, p.pid)]));
  const peak = new Map(procs.map((p) => [p.name, rssMiB(p.pid)]));
  const timer = setInterval(() => {
    for (const p of procs) peak.set(p.name, Math.max(peak.get(p.name) ?? 0, rssMiB(p.pid)));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const usage: WindowUsage = { cpuMs: {}, mainCpuMs: {}, peakRssMiB: {} };
      for (const p of procs) {
        usage.cpuMs[p.name] = cpuMs(p.pid) - cpu0.get(p.name)!;
        usage.mainCpuMs[p.name] = cpuMs(p.pid, p.pid) - main0.get(p.name)!;
        usage.peakRssMiB[p.name] = Math.max(peak.get(p.name)!, rssMiB(p.pid));
      }
      return usage;
    },
  };
}
