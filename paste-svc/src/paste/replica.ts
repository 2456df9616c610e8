import { Visibility, type Paste } from '@pastemesh/gen/paste';
import { counterOnce, gaugeOnce, type Logger, type Metrics } from '@pastemesh/kit/observability';
import {
  PASTE_LISTINGS_CHANNEL,
  createReplicaLagTracker,
  type PubSub,
  type ReplicaPositions,
} from '@pastemesh/kit/storage';
import type { Db } from '../database.js';

/** Why a read went to the primary although there is a replica. */
type PrimaryReason = 'written' | 'lagging' | 'down' | 'retry';

export interface ReplicaReadsOptions {
  primary: Db;
  /** The read replica (MYSQL_REPLICA_URL); without one every read goes to the primary and nothing runs. */
  replica: Db | undefined;
  /** Both servers' GTID positions (ServiceDatabase.replicaPositions). */
  positions: () => Promise<ReplicaPositions>;
  pubsub: PubSub;
  /** REPLICA_FRESHNESS_MS: the most a replica read may lag behind the primary; past it, reads go to the primary. */
  freshnessMs: number;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Which database each read goes to. A read goes to the replica only when the replica is known to hold every
 * write it could miss: the last lag check found it at most `freshnessMs` behind, and nothing the read covers
 * (the paste, or the listing) was written since the time it is known to be complete to. The write marks come
 * from this process's writes and from other replicas' messages: every cache invalidation of a paste (this
 * process's, and paste.invalidate) and every paste.listings message. What the replica does not have yet (a
 * paste created on another replica a moment ago) is read again from the primary, and so is every read the
 * replica fails.
 */
export interface ReplicaReads {
  /** One paste's read; `incomplete` says its answer may be short of the primary's (nothing found). */
  paste<T>(id: string, read: (db: Db) => Promise<T>, incomplete?: (result: T) => boolean): Promise<T>;
  /** Many pastes' read; pastes the replica does not answer for are read from the primary. */
  pastes<T>(ids: string[], read: (db: Db, ids: string[]) => Promise<T[]>, idOf: (result: T) => string): Promise<T[]>;
  /** A listing's read: an owner's (`ownerId`) or the public one (''). */
  listing<T>(ownerId: string, read: (db: Db) => Promise<T>): Promise<T>;
  /** A paste changed (the cache calls this on every invalidation, this process's and others'). */
  pasteChanged(id: string): void;
  /**
   * Pastes changed the listings they are in (a create, update, delete or burn; for an update pass the paste
   * before and after): marks them here and tells the other replicas. Never throws.
   */
  listingsChanged(...pastes: Pick<Paste, 'ownerId' | 'visibility'>[]): Promise<void>;
  /** Listens for other replicas' listing messages. */
  listen(): Promise<() => Promise<void>>;
  /** Checks the replica's lag now (the timer does it every few hundred ms). */
  check(): Promise<void>;
  start(): void;
  stop(): void;
}

const pasteKey = (id: string) => `paste:${id}`;
const listingKey = (ownerId: string) => (ownerId === '' ? 'public' : `owner:${ownerId}`);
/** Often enough that a mark expires soon after the replica has the write, and lag is seen well within the window. */
const checkInterval = (freshnessMs: number) => Math.min(1_000, Math.max(50, Math.floor(freshnessMs / 4)));

export function createReplicaReads(options: ReplicaReadsOptions): ReplicaReads {
  const { primary, replica, now, freshnessMs, logger } = options;
  const reads = counterOnce(options.metrics.registry, {
    name: 'paste_db_reads_total',
    help: 'Reads by the database they went to (with a replica configured): replica, or primary and why (written: what it reads changed within the lag; lagging: the replica is behind by more than REPLICA_FRESHNESS_MS or not known to be current; down: its last check or read failed; retry: it lacked the answer or failed it)',
    labelNames: ['database', 'reason'],
  });
  const lag = gaugeOnce(options.metrics.registry, {
    name: 'paste_replica_lag_seconds',
    help: 'How stale a replica read could be at the last check (+Inf while unknown or down)',
  });
  if (replica) {
    reads.inc({ database: 'replica', reason: 'fresh' }, 0);
    for (const reason of ['written', 'lagging', 'down', 'retry'] satisfies PrimaryReason[])
      reads.inc({ database: 'primary', reason }, 0);
  }
  const tracker = createReplicaLagTracker({ positions: options.positions, now, keepMs: freshnessMs });
  /** When each paste or listing was last written, as far as this process knows. */
  const marks = new Map<string, number>();
  let down = false;
  let checking: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function mark(key: string): void {
    if (replica) marks.set(key, now());
  }

  /** Why `keys` must be read from the primary, or undefined when the replica has them. */
  function primaryReason(keys: string[]): PrimaryReason | undefined {
    if (down) return 'down';
    const complete = tracker.caughtUpTo();
    // Commits before `complete` are on the replica; a write marked at or after it may not be.
    if (complete === undefined || now() - complete > freshnessMs) return 'lagging';
    for (const key of keys) {
      const written = marks.get(key);
      if (written !== undefined && written >= complete) return 'written';
    }
    return undefined;
  }

  function failed(err: unknown): void {
    if (!down) logger.warn({ err: String(err) }, 'read replica failed; reading from the primary until it checks out');
    down = true;
  }

  /** One lag check at a time; a caller during one waits for it. */
  function check(): Promise<void> {
    if (!replica) return Promise.resolve();
    checking ??= runCheck().finally(() => (checking = undefined));
    return checking;
  }

  async function runCheck(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        tracker.check(),
        new Promise((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error('lag check timed out')),
            Math.max(1_000, 2 * checkInterval(freshnessMs)),
          );
        }),
      ]);
      if (down) logger.info('read replica is back');
      down = false;
    } catch (err) {
      if (!down) logger.warn({ err: String(err) }, 'read replica check failed; reading from the primary');
      down = true;
    } finally {
      clearTimeout(timeout);
    }
    lag.set(down ? Infinity : tracker.lagMs() / 1000);
    // Marks the replica has passed, or too old to matter (past the window the replica is not used), go.
    const complete = tracker.caughtUpTo() ?? -Infinity;
    const oldest = Math.max(complete, now() - freshnessMs);
    for (const [key, written] of marks) if (written < oldest) marks.delete(key);
  }

  return {
    async paste(id, read, incomplete) {
      if (!replica) return read(primary);
      const reason = primaryReason([pasteKey(id)]);
      if (reason) {
        reads.inc({ database: 'primary', reason });
        return read(primary);
      }
      reads.inc({ database: 'replica', reason: 'fresh' });
      let result: Awaited<ReturnType<typeof read>>;
      try {
        result = await read(replica);
        if (!incomplete?.(result)) return result;
      } catch (err) {
        failed(err);
      }
      reads.inc({ database: 'primary', reason: 'retry' });
      return read(primary);
    },

    async pastes(ids, read, idOf) {
      if (!replica || ids.length === 0) return read(primary, ids);
      const fromReplica: string[] = [];
      const fromPrimary: string[] = [];
      let reason: PrimaryReason | undefined;
      for (const id of ids) {
        const why = primaryReason([pasteKey(id)]);
        if (why) {
          fromPrimary.push(id);
          reason ??= why;
        } else fromReplica.push(id);
      }
      let found: Awaited<ReturnType<typeof read>> = [];
      if (fromReplica.length > 0) {
        reads.inc({ database: 'replica', reason: 'fresh' });
        try {
          found = await read(replica, fromReplica);
          const answered = new Set(found.map(idOf));
          const missing = fromReplica.filter((id) => !answered.has(id));
          if (missing.length > 0) {
            fromPrimary.push(...missing);
            reason ??= 'retry';
          }
        } catch (err) {
          failed(err);
          fromPrimary.push(...fromReplica);
          reason ??= 'retry';
        }
      }
      if (fromPrimary.length === 0) return found;
      // One query, counted under the first reason that sent a paste there.
      reads.inc({ database: 'primary', reason: reason ?? 'retry' });
      return found.concat(await read(primary, fromPrimary));
    },

    async listing(ownerId, read) {
      if (!replica) return read(primary);
      const reason = primaryReason([listingKey(ownerId)]);
      if (reason) {
        reads.inc({ database: 'primary', reason });
        return read(primary);
      }
      reads.inc({ database: 'replica', reason: 'fresh' });
      try {
        return await read(replica);
      } catch (err) {
        failed(err);
        reads.inc({ database: 'primary', reason: 'retry' });
        return read(primary);
      }
    },

    pasteChanged(id) {
      mark(pasteKey(id));
    },

    async listingsChanged(...pastes) {
      const keys = new Set<string>();
      for (const paste of pastes) {
        if (paste.ownerId) keys.add(listingKey(paste.ownerId));
        if (paste.visibility === Visibility.PUBLIC) keys.add(listingKey(''));
      }
      if (keys.size === 0) return;
      for (const key of keys) mark(key);
      // Published with or without a replica here: the other replicas may have one.
      await options.pubsub
        .publish(PASTE_LISTINGS_CHANNEL, [...keys].join(' '))
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'listing change not published'));
    },

    listen() {
      return options.pubsub.subscribe(PASTE_LISTINGS_CHANNEL, (message) => {
        for (const key of message.split(' ')) if (key) mark(key);
      });
    },

    check,

    start() {
      if (!replica || timer) return;
      void check();
      timer = setInterval(() => void check(), checkInterval(freshnessMs));
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
