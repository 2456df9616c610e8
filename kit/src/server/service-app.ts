import type { Logger } from '../observability/logger.js';
import type { App } from './process.js';

/** A readiness check: resolves while the dependency answers, rejects (its message is reported) when not. */
export type ReadinessCheck = () => Promise<unknown>;

/** How a started part is undone and checked, given what its start produced. */
export interface PartHooks<T> {
  /** Undoes the part: runs on stop, in reverse start order, or at once if a later part fails to start. */
  stop?: (value: T) => unknown;
  /** A readiness check under the part's name while the part runs (e.g. the database's ping). */
  check?: (value: T) => Promise<unknown>;
}

/** What a service's start function builds with: each call starts one named part, after those before it. */
export interface ServiceParts {
  /**
   * Starts part `name` with `open` and returns what it produced. Once it has started, its `stop` is
   * registered, before anything later can fail. `open` must leave nothing behind when it fails itself.
   */
  start<T>(name: string, open: () => T | Promise<T>, hooks?: PartHooks<T>): Promise<T>;
  /**
   * Registers a stop with nothing to start (a drain, a timer), in its place in the reverse order. One
   * registered after the app stopped (something that settled late) runs at once.
   */
  onStop(name: string, stop: () => unknown): void;
  /** Adds a readiness check that is not one part's (e.g. "listening"). */
  addCheck(name: string, check: ReadinessCheck): void;
  /** The checks added so far, and later ones as they are added: hand it to createServiceHost's readinessChecks. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Aborted when stop() begins: long work (a pruning pass) checks it to end early. */
  readonly signal: AbortSignal;
}

/** Describes a service process as its start function. */
export interface ServiceAppOptions<Started> {
  /** The process, in log lines (e.g. 'paste-svc'). */
  name: string;
  logger: Logger;
  /** Starts every part in order through `parts` and resolves with what start() gives callers (the bound ports). */
  start(parts: ServiceParts): Promise<Started>;
  /** How long one readiness check may take before it counts as failed, in ms. Default 2000. */
  readinessTimeoutMs?: number;
}

/** A service process: started and stopped as one, the same object in production (main.ts) and tests. */
export interface ServiceApp<Started> extends App<Started> {
  /**
   * Starts the parts in order. If one fails, those already started are stopped in reverse order and the
   * failure is thrown, so a failed start holds nothing. Starting again after stop() builds every part anew.
   */
  start(): Promise<Started>;
  /**
   * Stops every started part in reverse order. Each part's stop runs even if an earlier one failed;
   * failures are logged (with the part's name), never thrown, so the rest always closes. Called during
   * start(), it makes start() fail and waits for its clean-up. Calling it again, or before start, does nothing.
   */
  stop(): Promise<void>;
  /** Each readiness check's result: 'ok', or why it failed. */
  readiness(): Promise<Record<string, string>>;
  /** True from the end of a successful start() until stop() begins: readiness fails first on shutdown. */
  isRunning(): boolean;
}

interface Run {
  state: 'starting' | 'running' | 'stopping';
  stops: { name: string; stop: () => unknown }[];
  checks: Record<string, ReadinessCheck>;
  controller: AbortController;
  /** Set once every stop has run: later registrations run at once. */
  unwound: boolean;
  starting?: Promise<unknown>;
  stopping?: Promise<void>;
}

/**
 * The one lifecycle every Pastemesh process uses: ordered start of named parts, reverse-ordered stop
 * that never skips a part, readiness the parts contribute to. A service's `createApp` is
 * `createServiceApp({ name, logger, start: async (parts) => { …parts.start(…)…; return ports; } })`.
 */
export function createServiceApp<Started>(options: ServiceAppOptions<Started>): ServiceApp<Started> {
  const { name, logger } = options;
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
  let run: Run | undefined;

  async function runStop(part: { name: string; stop: () => unknown }): Promise<boolean> {
    logger.debug({ part: part.name }, `${name}: stopping ${part.name}`);
    try {
      await part.stop();
      return true;
    } catch (err) {
      logger.error({ err, part: part.name }, `${name}: stopping ${part.name} failed`);
      return false;
    }
  }

  async function unwind(current: Run): Promise<void> {
    const failed: string[] = [];
    // Parts registered meanwhile (a late onStop) join the queue.
    for (let part = current.stops.pop(); part; part = current.stops.pop()) {
      if (!(await runStop(part))) failed.push(part.name);
    }
    current.unwound = true;
    if (failed.length > 0) logger.error({ parts: failed }, `${name} stopped; ${failed.length} part(s) failed to stop`);
  }

  function partsOf(current: Run): ServiceParts {
    const stopped = (part: string) => new Error(`${name} was stopped while starting (at ${part})`);
    return {
      async start(part, open, hooks = {}) {
        if (current.controller.signal.aborted) throw stopped(part);
        const value = await open();
        const { stop, check } = hooks;
        if (stop) current.stops.push({ name: part, stop: () => stop(value) });
        if (check) current.checks[part] = () => check(value);
        logger.debug({ part }, `${name}: ${part} started`);
        // stop() came while this part was opening: start() fails, and its clean-up stops this part too.
        if (current.controller.signal.aborted) throw stopped(part);
        return value;
      },
      onStop(part, stop) {
        if (current.unwound) void runStop({ name: part, stop });
        else current.stops.push({ name: part, stop });
      },
      addCheck(checkName, check) {
        current.checks[checkName] = check;
      },
      checks: current.checks,
      signal: current.controller.signal,
    };
  }

  async function start(current: Run): Promise<Started> {
    try {
      const started = await options.start(partsOf(current));
      if (current.controller.signal.aborted) throw new Error(`${name} was stopped while starting`);
      current.state = 'running';
      return started;
    } catch (err) {
      current.controller.abort();
      await unwind(current);
      if (run === current) run = undefined;
      throw err;
    }
  }

  async function stop(current: Run): Promise<void> {
    const wasRunning = current.state === 'running';
    current.state = 'stopping';
    current.controller.abort();
    // Still starting: start() sees the abort, fails, and stops what it started.
    if (!wasRunning) await current.starting?.catch(() => {});
    else await unwind(current);
    if (run === current) run = undefined;
  }

  return {
    start() {
      if (run) return Promise.reject(new Error(`${name} is already ${run.state}`));
      const current: Run = {
        state: 'starting',
        stops: [],
        checks: {},
        controller: new AbortController(),
        unwound: false,
      };
      run = current;
      const started = start(current);
      current.starting = started;
      return started;
    },
    stop() {
      const current = run;
      if (!current) return Promise.resolve();
      current.stopping ??= stop(current);
      return current.stopping;
    },
    async readiness() {
      const checks = Object.entries(run?.checks ?? {});
      const results = await Promise.all(
        checks.map(async ([check, fn]): Promise<[string, string]> => {
          try {
            await withTimeout(fn(), readinessTimeoutMs);
            return [check, 'ok'];
          } catch (err) {
            return [check, err instanceof Error ? err.message : String(err)];
          }
        }),
      );
      return Object.fromEntries(results);
    },
    isRunning: () => run?.state === 'running',
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
