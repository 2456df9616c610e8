import { Counter } from 'prom-client';
import { inTransaction, type Logger, type Metrics, type SqlDialect } from '@pastemesh/kit';
import { READ_COMMITTED, type Db } from '../database.js';
import type { PasteCache } from './paste.cache.js';
import type { PasteEvents } from './paste.events.js';
import { findExpiredIds, removeOrphanContent, removePastes } from './paste.repository.js';

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
}

/** What one round removed. */
export interface SweepResult {
  pastes: number;
  contents: number;
}

/** Ids per transaction: short transactions keep row locks brief on a busy table. */
const CHUNK = 50;

/**
 * Deletes expired pastes and orphaned content in the background, in bounded
 * batches of short transactions. Every delete names ids and re-checks the
 * condition, so replicas sweeping at once just skip what another removed.
 * Reads never rely on it: they check expiry themselves.
 */
export function createSweeper(options: SweeperOptions) {
  const deleted =
    (options.metrics.registry.getSingleMetric('paste_sweeper_deleted_total') as Counter<'kind'> | undefined) ??
    new Counter({
      name: 'paste_sweeper_deleted_total',
      help: 'Rows deleted by the expiry sweeper, by kind (paste, content)',
      labelNames: ['kind'],
      registers: [options.metrics.registry],
    });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SweepResult> | undefined;

  async function sweepPastes(): Promise<number> {
    const at = options.now();
    const ids = await findExpiredIds(options.db, at, options.batchSize);
    let count = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const removed = await inTransaction(options.db, (trx) => removePastes(trx, options.dialect, chunk, { expiredAt: at }), READ_COMMITTED);
      await options.cache.invalidateMany(removed);
      for (const paste of removed) options.events.deleted(paste);
      count += removed.length;
    }
    return count;
  }

  async function round(): Promise<SweepResult> {
    const pastes = await sweepPastes();
    const contents = await removeOrphanContent(options.db, options.now() - options.orphanGraceMs, options.batchSize);
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
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

export type Sweeper = ReturnType<typeof createSweeper>;
