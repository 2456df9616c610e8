// Runs one case and watches what it did besides answering: breaker failures and state (the gateway's own
// breakers and its gateway_breaker_state gauge), and protected burn pastes that paste-svc no longer has.
import { ConnectError, Code } from '@connectrpc/connect';
import { metricByLabel } from '../support/graphql.js';
import type { FuzzStack } from './fuzz-stack.js';
import type { WireCase } from './http-cases.js';
import { compile, describeRequest, send, type WireResult } from './wire.js';

/** The part of an opossum breaker the observer uses. */
interface Breaker {
  on(event: 'failure' | 'open', listener: (err?: unknown) => void): void;
  close(): void;
  opened: boolean;
  halfOpen: boolean;
  status?: { window?: Record<string, unknown>[] };
}

/** The part of prom-client's registry the observer reads. */
interface Registry {
  getSingleMetric(
    name: string,
  ): { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> } | undefined;
}

/** What one case did. */
export interface CaseRecord {
  label: string;
  /** 0-based run index in its fast-check run (replayed with `path`). */
  index: number;
  request: string;
  result: WireResult;
  /** Failures the gateway's breakers counted while the case ran (what opens them). */
  breakerFailures: string[];
  /** gateway_breaker_state after the case, by service (0 closed, 1 half-open, 2 open). */
  gauge: Record<string, number>;
  /** Protected burn pastes gone after the case (their slots were refilled). */
  burned: string[];
}

/** Builds the observer for one stack. */
export function createObserver(fuzz: FuzzStack) {
  const gateway = fuzz.stack.gateway as unknown as {
    services?: { downstream?: { breakers?: Record<string, Breaker> } };
    metrics?: { registry?: Registry };
  };
  const breakers = gateway.services?.downstream?.breakers ?? {};
  const registry = gateway.metrics?.registry;
  const failures: string[] = [];
  /** Breaker openings, and gauge samples that read 2, with the case they followed. */
  const opened: string[] = [];
  /** Protected pastes found burned, with the case that burned them. */
  const burns: { label: string; request: string; paste: string }[] = [];
  let current = 'set-up';
  let sampled = 0;
  /** Time spent watching (ms), beside the cases themselves. */
  const timing = { gauge: 0, burn: 0, cases: 0 };

  for (const [name, breaker] of Object.entries(breakers)) {
    breaker.on('failure', (err) => failures.push(`${name}: ${describeError(err)}`));
    breaker.on('open', () => opened.push(`${name} breaker opened during ${current}`));
  }

  /** gateway_breaker_state as the admin port's /metrics shows it. */
  async function scrape(): Promise<Record<string, number>> {
    const res = await retrying(() =>
      fetch(`http://127.0.0.1:${fuzz.stack.ports.gateway['admin']}/metrics`, { signal: AbortSignal.timeout(30_000) }),
    );
    return metricByLabel(await res.text(), 'gateway_breaker_state', 'service');
  }

  /** The same gauge read in the process (a scrape per case costs more than the case); scraped when unreachable. */
  async function gauge(): Promise<Record<string, number>> {
    const metric = registry?.getSingleMetric('gateway_breaker_state');
    if (!metric) return scrape();
    const { values } = await metric.get();
    return Object.fromEntries(values.map((v) => [String(v.labels['service']), v.value]));
  }

  /**
   * Test isolation, used only while shrinking and for property 5 (never in the campaign that judges breakers):
   * every breaker closed with an empty rolling window, so each case is judged on its own.
   */
  function resetBreakers(): void {
    for (const b of Object.values(breakers)) {
      b.close();
      for (const bucket of b.status?.window ?? []) {
        for (const [k, v] of Object.entries(bucket)) {
          if (typeof v === 'number') bucket[k] = 0;
          else if (Array.isArray(v)) v.length = 0;
        }
      }
    }
  }

  async function run(label: string, index: number, wire: WireCase, isolate: boolean): Promise<CaseRecord> {
    if (isolate) resetBreakers();
    const req = compile(wire, fuzz.resolve);
    const request = describeRequest(req);
    const mark = failures.length;
    current = `${label}: ${request.split('\n')[0]!.slice(0, 160)}`;
    const result = await send(fuzz.port, req);
    const t0 = performance.now();
    // Every case in the process; every 25th also through /metrics, so the exposition itself is checked.
    const states = { ...(await gauge()), ...(++sampled % 25 === 0 ? await scrape() : {}) };
    const t1 = performance.now();
    const open = Object.entries(states).filter(([, v]) => v === 2);
    if (open.length) opened.push(`gateway_breaker_state read 2 (${open.map(([s]) => s).join(', ')}) after ${current}`);
    const burned: string[] = [];
    // Only a request that names a protected paste, or GraphQL (listings name none), can reach one.
    const mayBurn = /graphql/i.test(wire.path) || JSON.stringify(wire).includes('@@protected:');
    for (const slot of mayBurn ? await retrying(() => fuzz.missingProtected()) : []) {
      const id = fuzz.protectedIds()[slot]!;
      burned.push(`protected ${slot} (${id})`);
      burns.push({ label, request, paste: `protected ${slot} (${id})` });
      await fuzz.refillProtected(slot);
    }
    timing.gauge += t1 - t0;
    timing.burn += performance.now() - t1;
    timing.cases += 1;
    current = `the time after ${label}`;
    return { label, index, request, result, breakerFailures: failures.slice(mark), gauge: states, burned };
  }

  return {
    run,
    gauge,
    scrape,
    resetBreakers,
    opened,
    burns,
    breakerNames: Object.keys(breakers),
    timing,
    /** In-process breaker states (opossum), by downstream. */
    breakerStates: () =>
      Object.fromEntries(
        Object.entries(breakers).map(([n, b]) => [n, b.opened ? 'open' : b.halfOpen ? 'half-open' : 'closed']),
      ),
    current: () => current,
  };
}

export type Observer = ReturnType<typeof createObserver>;

/** The watchers' own calls, retried: a slow machine must not pass for a finding. */
async function retrying<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts) throw new Error(`fuzz harness: watching failed ${attempts} times: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
}

function describeError(err: unknown): string {
  const e = ConnectError.from(err);
  return `${Code[e.code]}: ${e.rawMessage.slice(0, 200)}`;
}
