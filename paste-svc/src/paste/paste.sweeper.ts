import { counterOnce, type Logger, type Metrics } from '@pastemesh/kit/observability';
import { inTransaction, type SqlDialect } from '@pastemesh/kit/storage';
import { READ_COMMITTED, type Db } from '../database.js';
import type { PasteCache } from './paste.cache.js';
import type { PasteEvents } from './paste.events.js';
import { findExpiredIds, removeOrphanContent, removePastes } from './paste.repository.js';
import type { ContentStore } from '../content/content-store.js';
import {
  adoptOrphanObjects,
  deleteUnusedObjects,
  purgeTombstones,
  releaseUnreferencedStoreRows,
} from '../content/stored-content.repository.js';

export interface SweeperOptions {
  db: Db;
  dialect: SqlDialect;
  cache: PasteCache;
  events: PasteEvents;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  intervalMs: number;
  /** Pastes (and orphaned contents) handled per round. */
  batchSize: number;
  /** Content unreferenced for less than this is left alone. */
  orphanGraceMs: number;
  /** Share of a round's time spent in transactions; the rest is pauses between them. 1: no pauses. */
  dutyCycle?: number;
  /** The object store content lives in, if any: its unused objects are deleted after orphanGraceMs. */
  store?: ContentStore | undefined;
  /** How often the store is listed for objects no row knows (a failed create's). Default: every round. */
  orphanScanIntervalMs?: number;
}

/** What one round removed. */
export interface SweepResult {
  pastes: number;
  contents: number;
}

/** Ids per transaction: short transactions keep row locks brief on a busy table. */
const CHUNK = 50;
/** A pause never exceeds this, so stop() and the next chunk are never far off. */
const MAX_PAUSE_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Deletes expired pastes and orphaned content in the background, in bounded
 * batches of short transactions with pauses between them (the duty cycle).
 * Every delete names ids and re-checks the condition, so replicas sweeping at
 * once just skip what another removed.
 * Reads never rely on it: they check expiry themselves.
 */
export function createSweeper(options: SweeperOptions) {
  const deleted = counterOnce(options.metrics.registry, {
    name: 'paste_sweeper_deleted_total',
    help: 'Rows deleted by the expiry sweeper, by kind (paste, content)',
    labelNames: ['kind'],
  });
  // Both kinds at 0 from the start, so the sweeper panel's rate() sees the first sweep.
  for (const kind of ['paste', 'content']) deleted.inc({ kind }, 0);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SweepResult> | undefined;
  let stopping = false;
  const dutyCycle = options.dutyCycle ?? 1;
  const restFactor = (1 - dutyCycle) / dutyCycle;
  const paused = counterOnce(options.metrics.registry, {
    name: 'paste_sweeper_paused_seconds_total',
    help: 'Time the expiry sweeper rested between transactions (SWEEP_DUTY_CYCLE) so reads keep the database',
  });
  async function pause(ms: number): Promise<void> {
    await sleep(ms);
    paused.inc(ms / 1000);
  }

  async function sweepPastes(): Promise<number> {
    const at = options.now();
    const ids = await findExpiredIds(options.db, at, options.batchSize);
    let count = 0;
    let lastChunkMs = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      // Duty cycle: after a chunk that took t ms, rest t × (1 − d) / d, so reads keep the database.
      if (i > 0 && restFactor > 0 && !stopping) await pause(Math.min(MAX_PAUSE_MS, lastChunkMs * restFactor));
      const started = performance.now();
      const chunk = ids.slice(i, i + CHUNK);
      const removed = await inTransaction(
        options.db,
        (trx) => removePastes(trx, options.dialect, chunk, { expiredAt: at }),
        READ_COMMITTED,
      );
      await options.cache.invalidateMany(removed);
      for (const paste of removed) options.events.deleted(paste);
      count += removed.length;
      lastChunkMs = performance.now() - started;
    }
    return count;
  }

  let scanCursor: string | undefined;
  let lastScan = Number.NEGATIVE_INFINITY;
  /**
   * The object store's side: objects no row knows get an unused row (a failed create's, found by listing the
   * store a batch at a time, resuming where the last scan stopped), rows no version points at become unused,
   * unused objects older than the grace period are deleted, and their tombstones purged a grace period later.
   */
  async function sweepStore(store: ContentStore): Promise<number> {
    const { db, dialect, batchSize } = options;
    const now = options.now();
    const cutoff = now - options.orphanGraceMs;
    if (now - lastScan >= (options.orphanScanIntervalMs ?? 0)) {
      const keys: string[] = [];
      for await (const key of store.list(scanCursor)) {
        keys.push(key);
        if (keys.length >= batchSize) break;
      }
      await adoptOrphanObjects(db, dialect, keys, now);
      // A short page means the listing reached the end: the next scan starts over, an interval later.
      scanCursor = keys.length >= batchSize ? keys.at(-1) : undefined;
      if (!scanCursor) lastScan = now;
    }
    await releaseUnreferencedStoreRows(db, cutoff, batchSize);
    const objects = await deleteUnusedObjects(db, dialect, store, cutoff, now, batchSize);
    await purgeTombstones(db, cutoff, batchSize);
    return objects;
  }

  async function round(): Promise<SweepResult> {
    const pastes = await sweepPastes();
    const contents =
      (await removeOrphanContent(options.db, options.now() - options.orphanGraceMs, options.batchSize)) +
      (options.store ? await sweepStore(options.store) : 0);
    if (pastes > 0) deleted.inc({ kind: 'paste' }, pastes);
    if (contents > 0) deleted.inc({ kind: 'content' }, contents);
    if (pastes + contents > 0) options.logger.info({ pastes, contents }, 'swept expired pastes');
    return { pastes, contents };
  }

  /** One round now (overlapping calls share it). */
  function sweepOnce(): Promise<SweepResult> {
    running ??= round().finally(() => (running = undefined));
    return running;
  }

  return {
    sweepOnce,
    start(): void {
      timer = setInterval(() => {
        sweepOnce().catch((err: unknown) => options.logger.error({ err }, 'sweep failed; will retry next round'));
      }, options.intervalMs);
      timer.unref();
    },
    /** Stops the timer and waits for a round in progress. */
    async stop(): Promise<void> {
      stopping = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

export type Sweeper = ReturnType<typeof createSweeper>;
