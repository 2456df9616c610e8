// Child processes: a service of the mesh (configured only through its environment, exactly as deployed, so
// SIGTERM runs its own shutdown, SIGKILL gives it none, and memory and CPU are one process's), and the bench's
// other processes (baselines, load generators) through spawnNode.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './services.js';

/** A running child process. */
export interface ChildProc {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Everything it wrote, the last 400 lines. */
  log: string[];
  /** Resolves when it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its last `lines` lines of output (for failure messages). */
  tail(lines?: number): string;
  /** Sends `signal` and waits for the exit. */
  signal(signal: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
}

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit. */
  ms: number;
}

export interface SpawnOptions {
  /** Writes its whole output to `<logDir>/<name>.log` too. */
  logDir?: string | undefined;
  /** Opens an IPC channel (the bench's baselines report readiness over it). */
  ipc?: boolean;
}

const LOG_LINES = 400;
const live = new Set<ChildProcess>();
// A crashed test run or bench must not leave processes behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs `node <args>` in the repository root with exactly `env`. */
export function spawnChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildProc {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  live.add(child);
  const log: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.on('data', (data: Buffer) => {
      const lines = (partial + data.toString()).split('\n');
      partial = lines.pop()!;
      log.push(...lines.filter(Boolean));
      if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
    });
  }
  if (options.logDir) {
    const file = fs.createWriteStream(path.join(options.logDir, `${name}.log`), { flags: 'a' });
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const proc: ChildProc = {
    name,
    pid: child.pid!,
    child,
    log,
    exited,
    tail: (lines = 40) => log.slice(-lines).join('\n'),
    async signal(signal) {
      const started = Date.now();
      if (!hasExited()) child.kill(signal);
      return { ...(await exited), ms: Date.now() - started };
    },
    async stop() {
      if (hasExited()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
  return proc;
}

/**
 * The bench's processes other than the mesh (baselines, servers of micro-benchmarks): `node <args>` with this
 * process's environment plus `env`, without its NODE_OPTIONS; `tsx` adds the TypeScript loader.
 */
export function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string | undefined>,
  tsx = false,
  logDir?: string,
): ChildProc {
  const full = Object.fromEntries(
    Object.entries({ ...process.env, NODE_OPTIONS: '', ...env }).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  );
  return spawnChild(name, [...(tsx ? ['--import', 'tsx'] : []), ...args], full, { logDir, ipc: true });
}

/** Waits until `url` answers 200, or fails naming the process and its last output (also when it exits first). */
export async function waitReady(proc: ChildProc, url: string, timeoutMs = 60_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) during start-up:\n${proc.tail()}`,
      );
    }
    const ok = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false, // not listening yet
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident memory of a process in bytes (0 once it has exited). */
export function rssBytes(pid: number | undefined): number {
  try {
    const status = pid ? fs.readFileSync(`/proc/${pid}/status`, 'utf8') : '';
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0; // the process is gone
  }
}

/** Open TCP connections to local `port`, counted per process among `pids` (Linux `ss`). */
export function connectionsTo(port: number, pids: Set<number>): Map<number, number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dport', '=', `:${port}`], { encoding: 'utf8' });
  const counts = new Map<number, number>();
  for (const m of out.matchAll(/pid=(\d+)/g)) {
    const pid = Number(m[1]);
    if (pids.has(pid)) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

/** The NODE_OPTIONS a service's Deployment sets (its ConfigMap `<dir>-config` in istio/base/config.yaml). */
export function deployedNodeOptions(dir: string): string {
  const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, 'istio', 'base', 'config.yaml'), 'utf8')).map((d) =>
    d.toJS(),
  );
  const configMap = docs.find((d) => d?.kind === 'ConfigMap' && d.metadata?.name === `${dir}-config`);
  return String(configMap?.data?.NODE_OPTIONS ?? '');
}
