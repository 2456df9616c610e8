import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { PasteSchema, type Paste } from '@pastemesh/gen/paste';
import type { Logger } from '@pastemesh/kit/observability';
import type { ByteCache, PubSub } from '@pastemesh/kit/storage';
import { PASTE_INVALIDATE_CHANNEL } from '@pastemesh/kit/storage';

/** What a database load found. */
export type PasteLookup =
  | { kind: 'found'; paste: Paste }
  | { kind: 'missing' }
  /** The paste exists (its fields, without version fields) but not the asked version. */
  | { kind: 'no-version'; paste: Paste };

export interface PasteCacheOptions {
  cache: ByteCache;
  pubsub: PubSub;
  logger: Logger;
  now: () => number;
  /** Entries never live longer than this (bounds staleness if an invalidation is lost). */
  maxTtlMs: number;
  /** Counts database loads (the single-flight proof). */
  onLoad?: () => void;
  /**
   * Told every paste id invalidated, here or on paste.invalidate, at the moment its loads in flight are marked
   * stale: the read replica's routing sends later loads of it to the primary (replica.ts).
   */
  onChange?: (id: string) => void;
}

interface BatchLoad {
  stale: Set<string>;
}

interface Flight {
  promise: Promise<PasteLookup>;
  /** Set when the paste changed while loading: the result must not be cached. */
  stale: boolean;
}

const key = (id: string, version: number) => `${id}@${version === 0 ? 'latest' : version}`;
/** A second delete shortly after the first catches a load that read the old row just before the commit. */
const REDELETE_MS = 500;
const DELETE_CHUNK = 500;

/**
 * Cache-aside for GetPaste with single-flight: concurrent reads of one key share
 * one cache lookup and at most one database load; BatchGetPastes reads the same
 * entries (latest versions) with one multi-key lookup. Entries are serialized
 * Paste messages keyed by id and version; burn-after-read pastes are never stored.
 */
export function createPasteCache(options: PasteCacheOptions) {
  const flights = new Map<string, Map<string, Flight>>();
  const timers = new Set<NodeJS.Timeout>();

  /** Batch loads in progress: a paste invalidated while one runs is not cached from it. */
  const batchLoads = new Set<BatchLoad>();

  function forgetFlights(id: string): void {
    options.onChange?.(id);
    for (const flight of flights.get(id)?.values() ?? []) flight.stale = true;
    flights.delete(id);
    for (const batch of batchLoads) batch.stale.add(id);
  }

  function decode(k: string, hit: Buffer): Paste | undefined {
    try {
      return fromBinary(PasteSchema, hit);
    } catch (err) {
      options.logger.warn({ err: String(err), key: k }, 'unreadable cache entry; reloading');
      return undefined;
    }
  }

  async function lookup(id: string, k: string, flight: Flight, load: () => Promise<PasteLookup>): Promise<PasteLookup> {
    const hit = await options.cache.get(k);
    const cached = hit && decode(k, hit);
    if (cached) return { kind: 'found', paste: cached };
    options.onLoad?.();
    const found = await load();
    if (found.kind === 'found' && !flight.stale) await store(k, found.paste);
    return found;
  }

  async function store(k: string, paste: Paste): Promise<void> {
    if (paste.burnAfterRead || !paste.contentIncluded) return;
    const remaining = paste.expireTime ? timestampMs(paste.expireTime) - options.now() : Infinity;
    const ttl = Math.min(options.maxTtlMs, remaining);
    if (ttl > 0) await options.cache.set(k, Buffer.from(toBinary(PasteSchema, paste)), ttl);
  }

  async function deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      await options.cache.delete(...keys.slice(i, i + DELETE_CHUNK));
    }
  }

  /** `invalidate` for many pastes (the sweeper's chunks): one delete and one round of publishes. */
  async function invalidateMany(pastes: { id: string; latestVersion: number }[]): Promise<void> {
    if (pastes.length === 0) return;
    const keys: string[] = [];
    for (const { id, latestVersion } of pastes) {
      forgetFlights(id);
      keys.push(key(id, 0));
      for (let v = 1; v <= latestVersion; v++) keys.push(key(id, v));
    }
    const drop = () =>
      deleteKeys(keys).catch((err: unknown) =>
        options.logger.warn(
          { err: String(err), pasteIds: pastes.slice(0, 10).map((p) => p.id) },
          'cache invalidation failed',
        ),
      );
    await drop();
    const timer = setTimeout(() => {
      timers.delete(timer);
      void drop();
    }, REDELETE_MS);
    timer.unref();
    timers.add(timer);
    // Issued together, so one Redis connection writes them in one go.
    await Promise.all(pastes.map(({ id }) => options.pubsub.publish(PASTE_INVALIDATE_CHANNEL, id).catch(() => {})));
  }

  return {
    /** The paste at `version` (0: latest) from the cache, or loaded once however many callers ask at the same time. */
    read(id: string, version: number, load: () => Promise<PasteLookup>): Promise<PasteLookup> {
      const k = key(id, version);
      let perId = flights.get(id);
      const joined = perId?.get(k);
      if (joined) return joined.promise;
      const flight: Flight = { stale: false, promise: Promise.resolve({ kind: 'missing' }) };
      flight.promise = lookup(id, k, flight, load).finally(() => {
        const current = flights.get(id);
        if (current?.get(k) === flight) {
          current.delete(k);
          if (current.size === 0) flights.delete(id);
        }
      });
      if (!perId) flights.set(id, (perId = new Map()));
      perId.set(k, flight);
      return flight.promise;
    },

    /**
     * The latest versions of `ids` (unique) from the cache in one lookup, and
     * the misses from one `load` call, whose answers are then cached (unless
     * invalidated meanwhile). Pastes that do not exist are left out.
     */
    async readLatestMany(ids: string[], load: (missing: string[]) => Promise<Paste[]>): Promise<Paste[]> {
      const keys = ids.map((id) => key(id, 0));
      const hits = await options.cache.getMany(keys);
      const found: Paste[] = [];
      const missing: string[] = [];
      hits.forEach((hit, i) => {
        const cached = hit && decode(keys[i]!, hit);
        if (cached) found.push(cached);
        else missing.push(ids[i]!);
      });
      if (missing.length === 0) return found;
      const batch: BatchLoad = { stale: new Set() };
      batchLoads.add(batch);
      try {
        options.onLoad?.();
        const loaded = await load(missing);
        await Promise.all(loaded.filter((p) => !batch.stale.has(p.id)).map((p) => store(key(p.id, 0), p)));
        return found.concat(loaded);
      } finally {
        batchLoads.delete(batch);
      }
    },

    /**
     * Drops every cached version of a paste after it changed (update, delete,
     * burn, expiry) and tells other processes on PASTE_INVALIDATE_CHANNEL. Never
     * throws: the database change has happened; cache trouble is logged and
     * bounded by the TTL.
     */
    invalidate(id: string, latestVersion: number): Promise<void> {
      return invalidateMany([{ id, latestVersion }]);
    },

    invalidateMany,

    /** Listens for other replicas' invalidations so their in-flight loads are not cached here. */
    async listen(): Promise<() => Promise<void>> {
      return options.pubsub.subscribe(PASTE_INVALIDATE_CHANNEL, (id) => forgetFlights(id));
    },

    close(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type PasteCache = ReturnType<typeof createPasteCache>;
