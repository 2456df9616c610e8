// A fuzz phase: a fast-check run of one arbitrary against the stack, every case recorded; and, for the cases
// that broke a property, a replay of the first of each kind with fast-check shrinking it to a minimal one.
import fc from 'fast-check';
import type { WireCase } from './http-cases.js';
import type { CaseRecord, Observer } from './fuzz-observer.js';

/** The fixed seed of every run (a failure replays exactly). */
export const SEED = 20261206;

export interface Phase<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  wire(value: T): WireCase;
  /** Groups failures by kind, so each kind gets its own minimal counterexample. */
  signature(value: T): string;
  numRuns: number;
  /** Reset breakers before each case (never for the campaign whose breakers are judged). */
  isolate: boolean;
}

export interface Ran<T> {
  value: T;
  record: CaseRecord;
  signature: string;
}

/** What a property says of one case: undefined when it holds. */
export type Problem<T> = (record: CaseRecord, value: T) => string | undefined;

/** Runs every case of the phase, without stopping at failures. */
export async function runPhase<T>(phase: Phase<T>, observer: Observer): Promise<Ran<T>[]> {
  const ran: Ran<T>[] = [];
  let index = 0;
  let harnessError: unknown;
  await fc.assert(
    fc.asyncProperty(phase.arb, async (value) => {
      const i = index++;
      if (harnessError) return;
      try {
        const record = await observer.run(`${phase.name} case ${i + 1}`, i, phase.wire(value), phase.isolate);
        record.result.body = record.result.body.slice(0, 4_000);
        ran.push({ value, record, signature: phase.signature(value) });
      } catch (err) {
        // The harness failed, not the case: stop, and say so (fast-check must not shrink it as a finding).
        harnessError = err;
      }
    }),
    { seed: SEED, numRuns: phase.numRuns },
  );
  if (harnessError) throw harnessError;
  return ran;
}

const MAX_GROUPS = 8;

/**
 * For the cases that broke the property: a line per kind (signature) with how many and the first, and for
 * the first MAX_GROUPS kinds fast-check's shrunk counterexample, found by replaying that case (same seed,
 * its path) with breakers reset before each try. Empty when every case held.
 */
export async function explain<T>(
  phase: Phase<T>,
  ran: Ran<T>[],
  problem: Problem<T>,
  observer: Observer,
): Promise<string> {
  const groups = new Map<string, Ran<T>[]>();
  for (const r of ran) if (problem(r.record, r.value)) groups.set(r.signature, [...(groups.get(r.signature) ?? []), r]);
  if (!groups.size) return '';
  const failing = [...groups.values()].reduce((n, g) => n + g.length, 0);
  const out = [`${failing} of ${ran.length} ${phase.name} cases broke it, of ${groups.size} kind(s):`];
  let shrunk = 0;
  for (const [signature, group] of groups) {
    const first = group[0]!;
    out.push(
      `\n● [${signature}] ${group.length} case(s); first: ${first.record.label}\n  ${indent(first.record.request)}\n  → ${problem(first.record, first.value)}`,
    );
    if (shrunk++ >= MAX_GROUPS) continue;
    let last: { record: CaseRecord; problem: string } | undefined;
    let trouble: string | undefined;
    let tries = 0;
    const details = await fc.check(
      fc.asyncProperty(phase.arb, async (value) => {
        if (phase.signature(value) !== signature) return true;
        let record: CaseRecord;
        try {
          record = await observer.run(
            `${phase.name} shrink [${signature}] try ${++tries}`,
            -1,
            phase.wire(value),
            true,
          );
        } catch (err) {
          trouble = String(err);
          return true;
        }
        const p = problem(record, value);
        if (p) last = { record, problem: p };
        return p === undefined;
      }),
      { seed: SEED, path: String(first.record.index), numRuns: 1 },
    );
    if (details.failed && last) {
      out.push(
        `  minimal counterexample (fast-check shrank it ${details.numShrinks} times; seed ${SEED}, path ${details.counterexamplePath}):\n  ${indent(last.record.request)}\n  → ${last.problem}`,
      );
    } else {
      out.push('  (did not fail again when replayed alone: it depends on what ran before it)');
    }
    if (trouble) out.push(`  (the harness had trouble while shrinking: ${trouble})`);
  }
  return out.join('\n');
}

const indent = (s: string) => s.replaceAll('\n', '\n  ');

/** One line of the run's account, printed as it happens. */
export function report(line: string): void {
  process.stdout.write(`${line}\n`);
}
