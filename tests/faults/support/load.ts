// Bounded, open-loop load: requests start at a fixed rate (not "as fast as answers come back"), so a
// slow or failing system shows up as latency and errors instead of as less load. At most
// `maxInFlight` are outstanding; a start that would exceed it is counted as skipped, never queued.

/** One request as the client saw it. */
export interface Sample {
  kind: string;
  /** The scenario phase when the request started (e.g. "before", "fault", "after"). */
  phase: string;
  startedAt: number;
  ms: number;
  ok: boolean;
  error?: string;
}

/** One operation of the mix: what it is called and how to run it (throws on failure). */
export interface Operation {
  kind: string;
  run(): Promise<void>;
}

export interface LoadOptions {
  /** Request starts per second. */
  ratePerSec: number;
  /** Outstanding requests at most. Default 200. */
  maxInFlight?: number;
}

export interface Load {
  /** Tags requests started from now on. */
  phase: string;
  readonly samples: Sample[];
  /** Starts that were not sent because maxInFlight requests were outstanding. */
  readonly skipped: number;
  /** Stops starting requests and waits for the outstanding ones. */
  stop(): Promise<Sample[]>;
}

/** Starts `next(i)` at `ratePerSec` until stop(). */
export function startLoad(next: (i: number) => Operation, options: LoadOptions): Load {
  const maxInFlight = options.maxInFlight ?? 200;
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let launched = 0;
  let skipped = 0;
  const load: Load = {
    phase: 'run',
    samples,
    get skipped() {
      return skipped;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return samples;
    },
  };
  const launch = () => {
    const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSec);
    while (launched < due) {
      const i = launched++;
      if (inFlight.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const op = next(i);
      const sample: Sample = { kind: op.kind, phase: load.phase, startedAt: Date.now(), ms: 0, ok: false };
      // A run() that throws before returning its promise is a failed request too.
      const p = Promise.resolve()
        .then(() => op.run())
        .then(
          () => {
            sample.ok = true;
          },
          (err: unknown) => {
            sample.error = err instanceof Error ? err.message : String(err);
          },
        )
        .finally(() => {
          sample.ms = Date.now() - sample.startedAt;
          samples.push(sample);
          inFlight.delete(p);
        });
      inFlight.add(p);
    }
  };
  const timer = setInterval(launch, 5);
  return load;
}

/** Counts and latency of a set of samples. */
export interface Summary {
  count: number;
  ok: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** Failure messages with how often each happened, most frequent first. */
  errors: [string, number][];
}

/** The q-quantile (0–1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Summarizes the samples that pass `filter`. */
export function summarize(samples: Sample[], filter: (s: Sample) => boolean = () => true): Summary {
  const chosen = samples.filter(filter);
  const latencies = chosen.map((s) => s.ms);
  const errors = new Map<string, number>();
  for (const s of chosen) if (!s.ok) errors.set(s.error ?? 'unknown', (errors.get(s.error ?? 'unknown') ?? 0) + 1);
  const failed = chosen.filter((s) => !s.ok).length;
  return {
    count: chosen.length,
    ok: chosen.length - failed,
    failed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length ? Math.max(...latencies) : 0,
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `check` every `intervalMs` until it is true; resolves with the time it took, or Infinity after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return Date.now() - started;
    await sleep(intervalMs);
  }
  return Number.POSITIVE_INFINITY;
}
