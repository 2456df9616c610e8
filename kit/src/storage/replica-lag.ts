import { sql, type QueryExecutorProvider } from 'kysely';

/** A MariaDB GTID position: the highest sequence number per replication domain ("0-1-42,1-2-7"). */
export type GtidPosition = ReadonlyMap<number, number>;

/** Where a primary and its replica stand, read at about the same time. */
export interface ReplicaPositions {
  /** What the primary has written to its binary log (`@@gtid_binlog_pos`). */
  primary: GtidPosition;
  /** What the replica has applied (`@@gtid_slave_pos`). */
  replica: GtidPosition;
}

/** Parses a GTID position as MariaDB prints it; the empty string is the empty position. */
export function parseGtidPosition(text: string): GtidPosition {
  const position = new Map<number, number>();
  for (const part of text.split(',')) {
    const gtid = part.trim();
    if (gtid === '') continue;
    const match = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
    if (!match) throw new Error(`not a GTID position: "${text}"`);
    const domain = Number(match[1]);
    position.set(domain, Math.max(position.get(domain) ?? 0, Number(match[3])));
  }
  return position;
}

/**
 * Whether a replica at `replica` has applied everything the primary had at `primary`: per domain, sequence
 * numbers only grow (whichever server wrote them), so the replica's must be at least the primary's.
 */
export function gtidCovers(replica: GtidPosition, primary: GtidPosition): boolean {
  for (const [domain, seq] of primary) if ((replica.get(domain) ?? -1) < seq) return false;
  return true;
}

/**
 * Reads both positions, the primary's first (two `@@variable` reads, no privileges needed). MariaDB only: MySQL
 * names GTIDs differently (`@@gtid_executed`), so there this rejects and callers treat the replica as unusable.
 */
export async function readReplicaPositions(
  primary: QueryExecutorProvider,
  replica: QueryExecutorProvider,
): Promise<ReplicaPositions> {
  const position = async (db: QueryExecutorProvider, variable: 'gtid_binlog_pos' | 'gtid_slave_pos') => {
    const { rows } = await sql<{ pos: string }>`select ${sql.raw(`@@global.${variable}`)} as pos`.execute(db);
    return parseGtidPosition(String(rows[0]?.pos ?? ''));
  };
  const primaryPos = await position(primary, 'gtid_binlog_pos');
  return { primary: primaryPos, replica: await position(replica, 'gtid_slave_pos') };
}

/** How fresh a replica is known to be, from periodic samples of both positions. */
export interface ReplicaLagTracker {
  /**
   * Samples the primary's position (stamped with the time before it was read) and finds the newest sample the
   * replica has applied. Rejects, and forgets what it knew, when either server cannot be read.
   */
  check(): Promise<void>;
  /**
   * A time (by `now`) such that every transaction the primary had committed before it is on the replica, or
   * undefined while unknown (before the first good check, after a failed one, or while the replica has not
   * caught up with any sample kept). Only grows while checks succeed.
   */
  caughtUpTo(): number | undefined;
  /** `now() - caughtUpTo()` in ms: how stale a replica read can be; Infinity while unknown. */
  lagMs(): number;
}

export interface ReplicaLagTrackerOptions {
  positions: () => Promise<ReplicaPositions>;
  now: () => number;
  /** Samples older than this are dropped: a replica that far behind is not used anyway. */
  keepMs: number;
}

/**
 * Tracks a replica's staleness as an upper bound rather than an estimate: a sample taken at time t holds the
 * primary's position as of t or later, so once the replica's applied position covers it, every commit made
 * before t is on the replica. Unlike Seconds_Behind_Master this needs no running SQL thread to report, and a
 * replica that is idle but complete counts as current.
 */
export function createReplicaLagTracker(options: ReplicaLagTrackerOptions): ReplicaLagTracker {
  let samples: { at: number; position: GtidPosition }[] = [];
  let caughtUp: number | undefined;

  return {
    async check() {
      const at = options.now();
      let positions: ReplicaPositions;
      try {
        positions = await options.positions();
      } catch (err) {
        samples = [];
        caughtUp = undefined;
        throw err;
      }
      samples.push({ at, position: positions.primary });
      let newest = -1;
      samples.forEach((s, i) => {
        if (gtidCovers(positions.replica, s.position)) newest = i;
      });
      if (newest >= 0) caughtUp = Math.max(caughtUp ?? -Infinity, samples[newest]!.at);
      // Samples the replica has passed, and ones too old to matter, are not needed again.
      const oldest = options.now() - options.keepMs;
      samples = samples.slice(newest + 1).filter((s) => s.at >= oldest);
    },
    caughtUpTo: () => caughtUp,
    lagMs: () => (caughtUp === undefined ? Infinity : Math.max(0, options.now() - caughtUp)),
  };
}
