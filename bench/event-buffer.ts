// `npx tsx bench/event-buffer.ts`: the analytics producer's durable buffer (analytics-svc/src/client/event-buffer.ts, a Redis
// list: LPUSH+LTRIM in one MULTI, RPOP batches, putBack by RPUSH) against Redis Streams doing the same job
// (XADD per event + XTRIM MAXLEN in one MULTI, a consumer group, XREADGROUP COUNT n, XACK+XDEL pipelined with
// the next read, XAUTOCLAIM for what a crashed producer held), and streams-lua (the same, but each push is one
// EVALSHA looping XADD in Redis, so the client sends one command as LPUSH does); one ioredis connection, same events.
//
// First, untimed, the guarantees each gives (order, putBack, bound and exact drop count, two replicas sharing a
// buffer, a producer killed between take and ack). Then, per round and variant (order alternates over rounds):
//   append: N events in batches of 200 (what an outage does: each failed batch is pushed)
//   memory: MEMORY USAGE of the key with N events buffered, per event
//   drain:  take 1,000 / ack until empty (what redelivery does)
//   idle:   the producer's tick while analytics-svc is UP and the buffer is empty (take, size, oldest time)
// Producer CPU is process.cpuUsage; Redis CPU is `INFO cpu` (main thread) deltas, server-wide: the Redis here
// is shared, so it includes other people's commands. Round trips and commands are counted on the client.
// Prints medians over rounds and ratios to ours (each within a round, then the median). EVENT_BUFFER_REDIS_URL (default db 14), ROUNDS (5), N (20000).
import { randomBytes, randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ViewEventSchema } from '@pastemesh/gen/analytics';
import {
  createRedisBuffer,
  decodeEvent,
  encodeEvent,
  eventBufferKey,
  eventTimeMs,
  type BufferedEvent,
} from '../analytics-svc/src/client/event-buffer.js';
import { createLogger } from '../kit/src/observability/logger.js';
import { createRedis, redisReady, type Redis } from '../kit/src/storage/redis.js';

const URL = process.env['EVENT_BUFFER_REDIS_URL'] ?? 'redis://127.0.0.1:6379/14';
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const N = Number(process.env['N'] ?? 20_000);
const PUSH_BATCH = 200; // the producer's default batchSize: one push per failed batch
const TAKE_BATCH = 1_000; // the producer's REDELIVER_BATCH
const IDLE_TICKS = 300;
const PREFIX = `pm:bench-event-buffer:${process.pid}`;

/** What the producer needs from a durable buffer; `ack` is a no-op for the list (RPOP already removed). */
interface Durable {
  push(entries: BufferedEvent[]): Promise<number>;
  take(n: number): Promise<BufferedEvent[]>;
  ack(entries: BufferedEvent[]): Promise<void>;
  putBack(entries: BufferedEvent[]): Promise<number>;
  size(): Promise<number>;
  oldestTime(): Promise<number | undefined>;
}

function ours(redis: Redis, name: string, max: number): Durable {
  const buffer = createRedisBuffer(redis, name, max);
  return { ...buffer, ack: async () => {} };
}

/**
 * The same guarantees on a stream: XADD per event and XTRIM MAXLEN (its reply is the exact overflow) in one
 * MULTI; a consumer group hands each entry to one consumer; an entry stays pending until XACK (and XDEL, so XLEN
 * is what waits and XTRIM never counts delivered entries as dropped); putBack leaves entries pending and the next
 * take rereads this consumer's own pending list first; every `claimEvery` takes, XAUTOCLAIM takes over what any
 * consumer has held longer than `claimIdleMs` (a producer killed between take and ack). The ack of the last
 * batch travels in the pipeline of the next take. Production would also need to remove dead consumers
 * (XGROUP DELCONSUMER once their pending list is empty) and to drain the old list once; neither is here.
 */
function streams(
  redis: Redis,
  name: string,
  max: number,
  opts: { claimIdleMs?: number; claimEvery?: number; lua?: boolean } = {},
): Durable {
  const key = `${PREFIX}:stream:${name}`;
  const group = 'producers';
  const consumer = randomUUID();
  const claimIdleMs = opts.claimIdleMs ?? 30_000;
  const claimEvery = opts.claimEvery ?? 15;
  const ids = new WeakMap<BufferedEvent, string>();
  let toAck: string[] = [];
  let ownPending = false;
  let takes = 0;
  let claimCursor = '0-0';
  let ready: Promise<unknown> | undefined;
  const ensureGroup = () =>
    (ready ??= redis.xgroup('CREATE', key, group, '0', 'MKSTREAM').catch((err: unknown) => {
      if (!String(err).includes('BUSYGROUP')) {
        ready = undefined;
        throw err;
      }
    }));
  const decode = (items: [string, string[] | null][]): BufferedEvent[] => {
    const out: BufferedEvent[] = [];
    for (const [id, fields] of items) {
      const entry = fields ? decodeEvent(fields[1]!) : undefined;
      if (entry) ids.set(entry, id);
      else toAck.push(id); // trimmed while pending, or corrupt: acknowledge it away
      if (entry) out.push(entry);
    }
    return out;
  };
  async function read(n: number, from: '0' | '>', claim: boolean): Promise<BufferedEvent[]> {
    const p = redis.pipeline();
    if (toAck.length) p.xack(key, group, ...toAck).xdel(key, ...toAck);
    if (claim) p.xautoclaim(key, group, consumer, claimIdleMs, claimCursor, 'COUNT', n);
    p.xreadgroup('GROUP', group, consumer, 'COUNT', n, 'STREAMS', key, from);
    toAck = [];
    const results = (await p.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const out: BufferedEvent[] = [];
    if (claim) {
      const [next, claimed] = results[results.length - 2]![1] as [string, [string, string[] | null][]];
      claimCursor = next;
      out.push(...decode(claimed));
    }
    const reply = results[results.length - 1]![1] as [string, [string, string[] | null][]][] | null;
    out.push(...decode(reply?.[0]?.[1] ?? []));
    return out;
  }
  return {
    async push(entries) {
      if (entries.length === 0) return 0;
      if (opts.lua) return (redis as Redis & { xaddMany: XaddMany }).xaddMany(key, max, ...entries.map(encodeEvent));
      const m = redis.multi();
      for (const e of entries) m.xadd(key, '*', 'e', encodeEvent(e));
      m.xtrim(key, 'MAXLEN', max);
      const results = await m.exec();
      const [err, trimmed] = results?.[results.length - 1] ?? [new Error('redis transaction aborted'), 0];
      if (err) throw err;
      return Number(trimmed);
    },
    async take(n) {
      await ensureGroup();
      if (ownPending) {
        const mine = await read(n, '0', false);
        if (mine.length > 0) return mine;
        ownPending = false;
      }
      const claim = takes++ % claimEvery === 0 || claimCursor !== '0-0';
      const got = await read(n, '>', claim);
      // A claim round may return up to 2n: the rest stay pending here and come first next time.
      if (got.length > n) ownPending = true;
      return got.slice(0, n);
    },
    async ack(entries) {
      for (const e of entries) {
        const id = ids.get(e);
        if (id) toAck.push(id);
      }
    },
    async putBack() {
      ownPending = true;
      return 0;
    },
    async size() {
      return redis.xlen(key);
    },
    async oldestTime() {
      const [first] = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as [string, string[]][];
      const entry = first ? decodeEvent(first[1][1]!) : undefined;
      return entry ? eventTimeMs(entry) : undefined;
    },
  };
}

/** streams-lua: the same, but one EVALSHA per push runs the XADDs, so the client sends one command as LPUSH does. */
type XaddMany = (key: string, max: number, ...values: string[]) => Promise<number>;
const XADD_MANY = `for i = 2, #ARGV do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
return redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[1])`;

type Variant = 'ours' | 'streams' | 'streams-lua';
const VARIANTS: Variant[] = ['ours', 'streams', 'streams-lua'];
const keyOf = (variant: Variant, name: string) =>
  variant === 'ours' ? eventBufferKey(`${PREFIX}:${name}`) : `${PREFIX}:stream:${name}`;
const make = (variant: Variant, redis: Redis, name: string, max: number, claimIdleMs?: number) =>
  variant === 'ours'
    ? ours(redis, `${PREFIX}:${name}`, max)
    : streams(redis, name, max, {
        lua: variant === 'streams-lua',
        ...(claimIdleMs === undefined ? {} : { claimIdleMs, claimEvery: 1 }),
      });

/** Counts round trips (a call, or one exec of a pipeline/MULTI) and the commands they carried. */
function counting(redis: Redis): { redis: Redis; trips: number; commands: number } {
  const c = { redis, trips: 0, commands: 0 };
  c.redis = new Proxy(redis, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'multi' || prop === 'pipeline') {
        return (...args: unknown[]) => {
          const p = (value as (...a: unknown[]) => { exec: (...a: unknown[]) => unknown; length: number }).apply(
            target,
            args,
          );
          const exec = p.exec.bind(p);
          p.exec = (...a: unknown[]) => {
            c.trips++;
            c.commands += p.length;
            return exec(...a);
          };
          return p;
        };
      }
      return (...args: unknown[]) => {
        c.trips++;
        c.commands++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return c;
}

function makeEvents(n: number): BufferedEvent[] {
  const start = Date.now() - 60_000;
  const referrers = ['', '', '', 'news.ycombinator.com', 'www.reddit.com'];
  return Array.from({ length: n }, (_, i) => ({
    kind: 'view' as const,
    event: create(ViewEventSchema, {
      eventId: randomUUID(),
      pasteId: randomBytes(8).toString('base64url').slice(0, 10),
      time: timestampFromMs(start + i),
      viewerKey: randomBytes(16).toString('base64url'),
      referrerHost: referrers[i % referrers.length]!,
      count: 1,
    }),
  }));
}

async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) =>
    Number(/^(\S+):(\S+)$/m.exec(info.split('\n').find((l) => l.startsWith(`${k}:`)) ?? '')?.[2] ?? 0);
  return (get('used_cpu_user_main_thread') + get('used_cpu_sys_main_thread')) * 1e6;
}

async function cleanup(redis: Redis): Promise<void> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `*${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length) await redis.del(...keys);
}

const idOf = (e: BufferedEvent) => e.event.eventId;

async function drainAll(b: Durable): Promise<BufferedEvent[]> {
  const out: BufferedEvent[] = [];
  for (;;) {
    const batch = await b.take(TAKE_BATCH);
    if (batch.length === 0) break;
    out.push(...batch);
    await b.ack(batch);
  }
  await b.take(TAKE_BATCH); // carries the last ack
  return out;
}

/** The guarantees, checked on both variants (untimed). */
async function checks(redis: Redis): Promise<void> {
  const events = makeEvents(2_000);
  const rows: [string, Record<Variant, string>][] = [];
  const row = (label: string, f: (v: Variant) => Promise<string>) => async () => {
    const r = {} as Record<Variant, string>;
    for (const v of VARIANTS) r[v] = await f(v);
    rows.push([label, r]);
  };
  await row('oldest first, bound 100 of 250 pushed by 25: dropped / drained', async (v) => {
    const b = make(v, redis, `order-${v}`, 100);
    let dropped = 0;
    for (let i = 0; i < 250; i += 25) dropped += await b.push(events.slice(i, i + 25));
    const got = await drainAll(b);
    const inOrder = got.every((e, i) => idOf(e) === idOf(events[150 + i]!));
    return `${dropped} / ${got.length}${inOrder ? ', newest 100 in order' : ', WRONG ORDER'}`;
  })();
  await row('putBack: the same 10 come first again', async (v) => {
    const b = make(v, redis, `putback-${v}`, 1000);
    await b.push(events.slice(0, 50));
    const first = await b.take(10);
    await b.putBack(first);
    const again = await b.take(10);
    await b.ack(again);
    const rest = await drainAll(b);
    return again.every((e, i) => idOf(e) === idOf(first[i]!)) && rest.length === 40 ? 'yes' : 'NO';
  })();
  await row('two replicas drain 2,000 at once: delivered / distinct', async (v) => {
    const [a, b] = [make(v, redis, `shared-${v}`, 10_000), make(v, redis, `shared-${v}`, 10_000)];
    await a.push(events);
    const [x, y] = await Promise.all([drainAll(a), drainAll(b)]);
    const all = [...x, ...y].map(idOf);
    return `${all.length} / ${new Set(all).size} (${x.length} + ${y.length})`;
  })();
  await row('killed between take and ack (100 buffered, 50 taken): a new producer gets', async (v) => {
    const killed = make(v, redis, `crash-${v}`, 1000, 50);
    await killed.push(events.slice(0, 100));
    await killed.take(50); // then the process dies: no ack, no putBack
    await new Promise((r) => setTimeout(r, 80)); // past the claim idle time (30 s in production, 50 ms here)
    const got = await drainAll(make(v, redis, `crash-${v}`, 1000, 50));
    return `${new Set(got.map(idOf)).size} of 100`;
  })();
  await cleanup(redis);
  console.log('Guarantees (same checks on both):');
  for (const [label, r] of rows)
    console.log(`  ${label.padEnd(76)} ${VARIANTS.map((v) => `${v}: ${r[v]}`.padEnd(40)).join(' ')}`);
}

type Sample = Record<string, number>;

async function round(raw: Redis, variant: Variant, events: BufferedEvent[], r: number): Promise<Sample> {
  const c = counting(raw);
  const b = make(variant, c.redis, `round-${r}-${variant}`, 100_000);
  const key = keyOf(variant, `round-${r}-${variant}`);
  const s: Sample = {};
  const phase = async (name: string, per: number, f: () => Promise<unknown>) => {
    const [trips, commands] = [c.trips, c.commands];
    const redisBefore = await redisCpuUs(raw);
    const cpu = process.cpuUsage();
    await f();
    const used = process.cpuUsage(cpu);
    const redisUs = (await redisCpuUs(raw)) - redisBefore;
    s[`${name}.cpu`] = (used.user + used.system) / per;
    s[`${name}.redis`] = redisUs / per;
    s[`${name}.trips`] = c.trips - trips;
    s[`${name}.commands`] = c.commands - commands;
  };
  await b.size(); // connect and create nothing timed
  await phase('append', N, async () => {
    for (let i = 0; i < N; i += PUSH_BATCH) await b.push(events.slice(i, i + PUSH_BATCH));
  });
  s['append.trips'] = s['append.trips']! / (N / PUSH_BATCH);
  s['append.commands'] = s['append.commands']! / (N / PUSH_BATCH);
  s['bytes'] = Number(await raw.memory('USAGE', key, 'SAMPLES', 0)) / N;
  let batches = 0;
  await phase('drain', N, async () => {
    for (;;) {
      const batch = await b.take(TAKE_BATCH);
      if (batch.length === 0) break;
      batches++;
      await b.ack(batch);
    }
  });
  if (variant !== 'ours' && (await b.size()) !== 0) throw new Error(`${variant}: not drained`);
  if (variant === 'ours' && (await raw.exists(key)) !== 0) throw new Error('ours: not drained');
  s['drain.trips'] = s['drain.trips']! / batches;
  s['drain.commands'] = s['drain.commands']! / batches;
  await phase('idle', IDLE_TICKS, async () => {
    for (let i = 0; i < IDLE_TICKS; i++) {
      await b.take(TAKE_BATCH);
      await b.size();
      await b.oldestTime();
    }
  });
  s['idle.trips'] = s['idle.trips']! / IDLE_TICKS;
  s['idle.commands'] = s['idle.commands']! / IDLE_TICKS;
  await cleanup(raw);
  return s;
}

/** In-flight cost of a stream: bytes the pending list holds per entry taken and not yet acknowledged. */
async function pendingBytes(redis: Redis, events: BufferedEvent[]): Promise<number> {
  const b = streams(redis, 'pel', 100_000);
  await b.push(events.slice(0, 5_000));
  const key = `${PREFIX}:stream:pel`;
  await b.size();
  const before = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  await b.take(TAKE_BATCH);
  const after = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  await cleanup(redis);
  return (after - before) / TAKE_BATCH;
}

async function main(): Promise<void> {
  const redis = createRedis(URL, createLogger('bench-event-buffer', 'silent'), 'bench-event-buffer');
  redis.defineCommand('xaddMany', { numberOfKeys: 1, lua: XADD_MANY });
  await redisReady(redis);
  try {
    await checks(redis);
    const events = makeEvents(N);
    const encoded = events.reduce((n, e) => n + encodeEvent(e).length, 0) / N;
    // Warm-up: one small round of each, not recorded.
    for (const v of VARIANTS) await round(redis, v, events.slice(0, 2_000), -1).catch(() => undefined);
    const samples: Record<Variant, Sample[]> = { ours: [], streams: [], 'streams-lua': [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Each round starts with another variant: ours, streams, streams-lua / streams, streams-lua, ours / ...
      for (const v of [...VARIANTS.slice(r % 3), ...VARIANTS.slice(0, r % 3)])
        samples[v].push(await round(redis, v, events, r));
    }
    const pel = await pendingBytes(redis, events);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const med = (v: Variant, k: string) => median(samples[v].map((s) => s[k]!));
    const cell = (v: Variant, k: string) => {
      const xs = samples[v].map((s) => s[k]!);
      const f = (x: number) => x.toFixed(x < 10 ? 2 : 1);
      return `${f(med(v, k))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
    };
    // Each ratio is taken within a round (both halves seconds apart), then the median over rounds.
    const ratio = (v: Variant, k: string) => median(samples.ours.map((s, i) => samples[v][i]![k]! / s[k]!)).toFixed(2);
    const cpuPerEvent = (f: () => void) => {
      const cpu = process.cpuUsage();
      f();
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / N;
    };
    const encodedValues = events.map(encodeEvent);
    const encodeUs = median([0, 1, 2].map(() => cpuPerEvent(() => events.forEach(encodeEvent))));
    const decodeUs = median([0, 1, 2].map(() => cpuPerEvent(() => encodedValues.forEach(decodeEvent))));
    console.log(
      `\n${N} view events (${encoded.toFixed(0)} B each encoded), pushed by ${PUSH_BATCH}, drained by ${TAKE_BATCH}; medians of ${ROUNDS} rounds (min–max), ratios to ours within each round`,
    );
    const lines: [string, string][] = [
      ['append.cpu', 'append: producer CPU µs/event'],
      ['append.redis', 'append: Redis CPU µs/event (shared server)'],
      ['append.trips', 'append: round trips per push of 200'],
      ['append.commands', 'append: commands per push of 200'],
      ['bytes', 'Redis memory bytes per buffered event'],
      ['drain.cpu', 'drain: producer CPU µs/event'],
      ['drain.redis', 'drain: Redis CPU µs/event (shared server)'],
      ['drain.trips', 'drain: round trips per batch of 1,000'],
      ['drain.commands', 'drain: commands per batch of 1,000'],
      ['idle.cpu', 'UP, empty buffer: producer CPU µs per tick'],
      ['idle.redis', 'UP, empty buffer: Redis CPU µs per tick'],
      ['idle.trips', 'UP, empty buffer: round trips per tick'],
    ];
    console.log(
      `${'measure'.padEnd(44)} ${VARIANTS.map((v) => v.padStart(22)).join(' ')}  streams/ours  streams-lua/ours`,
    );
    for (const [k, label] of lines) {
      console.log(
        `${label.padEnd(44)} ${VARIANTS.map((v) => cell(v, k).padStart(22)).join(' ')}  ${`${ratio('streams', k)}x`.padStart(12)}  ${`${ratio('streams-lua', k)}x`.padStart(16)}`,
      );
    }
    console.log(
      `in every variant's figures: encodeEvent ${encodeUs.toFixed(2)} µs/event (append), decodeEvent ${decodeUs.toFixed(2)} µs/event (drain)`,
    );
    console.log(`streams, per entry taken and not yet acknowledged (pending list): ${pel.toFixed(0)} bytes`);
  } finally {
    await cleanup(redis);
    redis.disconnect();
  }
}

await main();
