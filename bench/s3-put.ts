// `npx tsx bench/s3-put.ts [--quick]`: what one PutObject costs paste-svc's process, by S3 client configuration.
// s3rver (bench/s3-server.ts, startTestS3) runs in a child process of its own, a fresh one (empty folder, warmed
// up with S3RVER_WARMUP puts) per round, each run under a prefix of its own;
// this process keeps IN_FLIGHT puts of 1 KiB bodies in flight (unique per put, keyed by their SHA-256 as paste-svc
// keys them; bodies and keys made before the window, so the window's CPU is the client's alone) and measures its
// own CPU (process.cpuUsage: every thread) per put, puts/s, and s3rver's CPU per put (/proc). Each round runs every
// configuration once, in an order rotated per round, each on a fresh client after a warm-up; ratios are taken
// against (a) within the round, then the median over rounds is printed (with min–max).
//   a  today's config, exactly as createS3Store built it before this bench (checksum CRC32 on every put)
//   b  a + requestChecksumCalculation WHEN_REQUIRED (no CRC32 per put)
//   c  b + cacheMiddleware (the client resolves each command class's middleware stack once, not per send)
//   d  c + x-amz-content-sha256 from the key (the SigV4 signer takes the payload hash from that header instead
//      of hashing the body again: the key IS the content's SHA-256)
//   e  d + an explicit node:http keep-alive Agent (keepAlive, maxSockets 50: what the handler builds by default)
//   g  d + ChecksumSHA256 (the key's bytes in base64, no hashing): the store keeps and checks a SHA-256
//   h  d + ContentMD5 (MD5 computed per put): the older integrity header every S3-compatible store checks
//   store  createContentStore's S3 store as paste-svc ships it (its put, through the ContentStore interface)
//   f  lower bound, for the report only: bare node:http PUT signed with @smithy/signature-v4, keep-alive agent
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  contentKey,
  createContentStore,
  parseContentStore,
  signKeyAsPayloadHash,
} from '../paste-svc/src/content/content-store.js';
import { spawnNode } from '../scripts/mesh/child-process.js';
import { median } from './report.js';
import { cpuMs } from './usage.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = Number(process.env['ROUNDS'] ?? (QUICK ? 3 : 7));
const PUTS = Number(process.env['PUTS'] ?? (QUICK ? 1_000 : 2_000));
const WARMUP = Number(process.env['WARMUP'] ?? 300);
const S3RVER_WARMUP = Number(process.env['S3RVER_WARMUP'] ?? 2_000);
const IN_FLIGHT = 50;
const BODY_BYTES = 1024;

/** One way of putting an object: `put(key, body)` stores `body` under the content key `key`. */
interface Putter {
  put(key: string, body: Buffer): Promise<void>;
  close(): void;
}

type S3Env = Record<string, string>;

/** (a): createS3Store's config before this bench, copied as it was (timeouts, retries, path style). */
function todaysConfig(env: S3Env): S3ClientConfig {
  return {
    endpoint: env['AWS_ENDPOINT_URL_S3']!,
    region: env['AWS_REGION']!,
    credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! },
    forcePathStyle: env['S3_FORCE_PATH_STYLE'] === 'true',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, socketTimeout: 5_000 },
  };
}

interface Variant {
  /** Client config on top of (a). */
  config?: Partial<S3ClientConfig>;
  /** Sets x-amz-content-sha256 from the key before signing. */
  payloadHashFromKey?: boolean;
  /** Extra PutObject input per put. */
  input?: (key: string, body: Buffer) => Record<string, string>;
}

function sdkPutter(env: S3Env, v: Variant): Putter {
  const { bucket, prefix } = target(env);
  const client = new S3Client({ ...todaysConfig(env), ...v.config });
  if (v.payloadHashFromKey) signKeyAsPayloadHash(client, prefix);
  return {
    async put(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/octet-stream',
          ...v.input?.(key, body),
        }),
      );
    },
    close: () => client.destroy(),
  };
}

/** The S3 store paste-svc builds from the same settings. */
function storePutter(env: S3Env): Putter {
  const store = createContentStore(parseContentStore(env['CONTENT_STORE']!), {
    ...env,
    S3_FORCE_PATH_STYLE: env['S3_FORCE_PATH_STYLE'] === 'true',
  })!;
  return { put: (key, body) => store.put(key, body), close: () => store.close() };
}

/** node:crypto's SHA-256 (and HMAC-SHA-256 with a secret) in the shape @smithy/signature-v4 asks for. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}
const bytesOf = (d: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d as ArrayBuffer);

/** (f): a PUT over node:http, signed by SigV4 with the payload hash given (not for production). */
function barePutter(env: S3Env): Putter {
  const { bucket, prefix } = target(env);
  const endpoint = new URL(env['AWS_ENDPOINT_URL_S3']!);
  const signer = new SignatureV4({
    credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! },
    region: env['AWS_REGION']!,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return {
    async put(key, body) {
      const signed = await signer.sign({
        method: 'PUT',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path: `/${bucket}/${prefix}${key}`,
        query: {},
        headers: {
          host: endpoint.host,
          'content-type': 'application/octet-stream',
          'content-length': String(body.length),
          'x-amz-content-sha256': key,
        },
        body,
      });
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: endpoint.hostname,
            port: endpoint.port,
            method: 'PUT',
            path: signed.path,
            headers: signed.headers,
            agent,
          },
          (res) => {
            res.resume();
            res.once('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`)),
            );
            res.once('error', reject);
          },
        );
        req.once('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

function target(env: S3Env): { bucket: string; prefix: string } {
  const spec = parseContentStore(env['CONTENT_STORE']!);
  if (spec.kind !== 's3') throw new Error(`not an s3:// store: ${env['CONTENT_STORE']}`);
  return spec;
}

const md5 = (body: Buffer) => createHash('md5').update(body).digest('base64');
const sha256b64 = (key: string) => Buffer.from(key, 'hex').toString('base64');
const WHEN_REQUIRED = { requestChecksumCalculation: 'WHEN_REQUIRED' } as const;
const CACHED = { ...WHEN_REQUIRED, cacheMiddleware: true };

const CONFIGS: [name: string, label: string, make: (env: S3Env) => Putter][] = [
  ['a', 'today (CRC32 per put)', (env) => sdkPutter(env, {})],
  ['b', 'a + WHEN_REQUIRED', (env) => sdkPutter(env, { config: WHEN_REQUIRED })],
  ['c', 'b + cacheMiddleware', (env) => sdkPutter(env, { config: CACHED })],
  ['d', 'c + payload hash = key', (env) => sdkPutter(env, { config: CACHED, payloadHashFromKey: true })],
  [
    'e',
    'd + own keep-alive Agent',
    (env) =>
      sdkPutter(env, {
        config: {
          ...CACHED,
          requestHandler: {
            connectionTimeout: 2_000,
            socketTimeout: 5_000,
            httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50 }),
          },
        },
        payloadHashFromKey: true,
      }),
  ],
  [
    'g',
    'd + ChecksumSHA256 (from key)',
    (env) =>
      sdkPutter(env, {
        config: CACHED,
        payloadHashFromKey: true,
        input: (key) => ({ ChecksumSHA256: sha256b64(key) }),
      }),
  ],
  [
    'h',
    'd + ContentMD5 (computed)',
    (env) =>
      sdkPutter(env, { config: CACHED, payloadHashFromKey: true, input: (_k, body) => ({ ContentMD5: md5(body) }) }),
  ],
  ['store', 'createS3Store as shipped', storePutter],
  ['f', 'bare node:http + SigV4 (floor)', barePutter],
];

/** `n` unique 1 KiB bodies with their keys. */
function bodies(n: number): { key: string; body: Buffer }[] {
  return Array.from({ length: n }, () => {
    const body = Buffer.alloc(BODY_BYTES, 0x61);
    randomBytes(16).copy(body);
    return { key: contentKey(body), body };
  });
}

/** Puts every body with IN_FLIGHT in flight. */
async function putAll(putter: Putter, items: { key: string; body: Buffer }[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await putter.put(item.key, item.body);
      }
    }),
  );
}

interface Run {
  clientUs: number;
  putsPerS: number;
  serverUs: number;
}

async function measure(make: (env: S3Env) => Putter, env: S3Env, s3rverPid: number): Promise<Run> {
  const putter = make(env);
  try {
    await putAll(putter, bodies(WARMUP));
    const items = bodies(PUTS);
    const server0 = cpuMs(s3rverPid);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await putAll(putter, items);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const serverMs = cpuMs(s3rverPid) - server0;
    return {
      clientUs: (cpu.user + cpu.system) / PUTS,
      putsPerS: PUTS / seconds,
      serverUs: (serverMs * 1000) / PUTS,
    };
  } finally {
    putter.close();
  }
}

async function startS3rver() {
  const proc = spawnNode('s3rver', ['bench/s3-server.ts'], {}, true);
  const env = await new Promise<S3Env>((resolve, reject) => {
    proc.child.once('message', (msg: { env?: S3Env }) => (msg.env ? resolve(msg.env) : reject(new Error('no env'))));
    proc.child.once('exit', (code) => reject(new Error(`s3rver exited (${code}):\n${proc.tail()}`)));
  });
  return { proc, env };
}

const runs = new Map<string, Run[]>(CONFIGS.map(([name]) => [name, []]));
const ratios = new Map<string, { cpu: number[]; puts: number[] }>(CONFIGS.map(([n]) => [n, { cpu: [], puts: [] }]));
for (let round = -1; round < ROUNDS; round++) {
  // Round -1 warms the JIT on every path and is not counted.
  const s3 = await startS3rver();
  try {
    // A fresh s3rver runs slower until its JIT has warmed up: warmed here, so the first configuration of a round
    // does not pay for it.
    const warm = barePutter(s3.env);
    await putAll(warm, bodies(S3RVER_WARMUP));
    warm.close();
    const order = CONFIGS.map((_, i) => CONFIGS[(i + Math.max(round, 0)) % CONFIGS.length]!);
    const inRound = new Map<string, Run>();
    // A prefix of its own per run: s3rver keeps a prefix's objects in one folder, and its PUTs slow down as that
    // folder fills (~1 ms of its CPU per put in a fresh folder, ~3 ms after 30k puts).
    for (const [name, , make] of order) {
      const env = { ...s3.env, CONTENT_STORE: `${s3.env['CONTENT_STORE']}/${name}-${round + 1}` };
      inRound.set(name, await measure(make, env, s3.proc.pid));
    }
    if (round < 0) continue;
    const base = inRound.get('a')!;
    for (const [name] of CONFIGS) {
      const r = inRound.get(name)!;
      runs.get(name)!.push(r);
      ratios.get(name)!.cpu.push(r.clientUs / base.clientUs);
      ratios.get(name)!.puts.push(r.putsPerS / base.putsPerS);
    }
    console.error(
      `round ${round + 1}/${ROUNDS}: ${order.map(([n]) => `${n} ${inRound.get(n)!.clientUs.toFixed(0)}`).join(', ')} µs/put`,
    );
  } finally {
    await s3.proc.stop();
  }
}

const range = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
console.log(
  `PutObject, 1 KiB unique bodies, ${IN_FLIGHT} in flight, ${PUTS} puts per run, ${ROUNDS} rounds (median, min–max); ` +
    `client = this process, s3rver = its own process`,
);
const header = ['config', 'what', 'client µs/put', '× a', 'puts/s', '× a', 's3rver µs/put'];
const rows = CONFIGS.map(([name, label]) => {
  const r = runs.get(name)!;
  const q = ratios.get(name)!;
  return [
    name,
    label,
    range(
      r.map((x) => x.clientUs),
      0,
    ),
    range(q.cpu, 2),
    range(
      r.map((x) => x.putsPerS),
      0,
    ),
    range(q.puts, 2),
    median(r.map((x) => x.serverUs)).toFixed(0),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows])
  console.log(`| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
