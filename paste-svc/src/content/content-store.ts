import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import { createFileWriter } from './file-writer.js';

/**
 * Where paste content lives, by its SHA-256 (hex): content-addressed, so the same bytes are stored once and a
 * write is idempotent. `database` keeps the bytes in paste-svc's own `paste_contents` table (no store);
 * `file://` and `s3://` keep them outside, and the table keeps the metadata and reference counts.
 */
export interface ContentStore {
  /** How CONTENT_STORE named it, credentials left out (for logs and metrics). */
  readonly name: string;
  /** Stores `content` under `sha256`; storing the same bytes again changes nothing. */
  put(sha256: string, content: Buffer): Promise<void>;
  /** The bytes under `sha256`, or undefined when there are none. */
  get(sha256: string): Promise<Buffer | undefined>;
  /** Removes the bytes under `sha256` (nothing if there are none). */
  delete(sha256: string): Promise<void>;
  /** Every key stored, in ascending order, after `after` (for moving content and checking a store). */
  list(after?: string): AsyncIterable<string>;
  /** A cheap round trip, for readiness. */
  ping(): Promise<void>;
  close(): void;
}

/** What CONTENT_STORE says. */
export type ContentStoreSpec =
  | { kind: 'database' }
  | { kind: 'file'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string };

/** Parses CONTENT_STORE: `database`, `file:///PATH` or `s3://BUCKET[/PREFIX]`; throws naming the variable. */
export function parseContentStore(value: string, variable = 'CONTENT_STORE'): ContentStoreSpec {
  if (value === 'database') return { kind: 'database' };
  if (value.startsWith('file://')) {
    let dir: string;
    try {
      dir = fileURLToPath(value);
    } catch {
      throw new Error(`${variable}: "${value}" must name an absolute path on this machine (file:///PATH)`);
    }
    return { kind: 'file', dir };
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
  if (s3) {
    const prefix = (s3[2] ?? '').replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: s3[1]!, prefix: prefix ? `${prefix}/` : '' };
  }
  throw new Error(`${variable}: "${value}" is not one of database, file:///PATH, s3://BUCKET[/PREFIX]`);
}

/** The AWS SDK's standard settings (as its own environment variables name them), plus path-style addressing. */
export interface S3Settings {
  AWS_ENDPOINT_URL_S3?: string | undefined;
  AWS_ENDPOINT_URL?: string | undefined;
  AWS_REGION?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
  S3_FORCE_PATH_STYLE?: boolean | undefined;
}

/** The store CONTENT_STORE names, or undefined for `database` (content stays in the table). */
export function createContentStore(spec: ContentStoreSpec, s3: S3Settings = {}): ContentStore | undefined {
  if (spec.kind === 'database') return undefined;
  if (spec.kind === 'file') return createFileStore(spec.dir);
  return createS3Store(spec.bucket, spec.prefix, s3);
}

/** True when `value` is a SHA-256 in lower-case hex: the only keys a store ever sees. */
export function isContentKey(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** The SHA-256 of `content` in hex: its key. */
export function contentKey(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The store did not answer: the caller's request fails UNAVAILABLE (retryable), nothing half-written. */
export function storeUnavailable(store: ContentStore, op: string, cause: unknown): Error {
  return appError(
    Code.Unavailable,
    Reason.SERVICE_UNAVAILABLE,
    `the content store is unavailable (${op} failed); try again shortly`,
    { cause },
  );
}

/**
 * Where the file store under `dir` keeps the object `key`: two levels of 256 folders, so no folder holds more
 * than a few thousand files at 1 billion pastes. A folder is made by the first write into it.
 */
export function fileStorePath(dir: string, key: string): string {
  return path.join(dir, key.slice(0, 2), key.slice(2, 4), key);
}

function createFileStore(dir: string): ContentStore {
  const fileOf = (key: string) => fileStorePath(dir, key);
  const writer = createFileWriter();
  return {
    name: `file://${dir}`,
    put: (key, content) => writer.write(fileOf(key), content),
    async get(key) {
      try {
        return await fs.readFile(fileOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async delete(key) {
      await fs.rm(fileOf(key), { force: true });
    },
    async *list(after) {
      const level = async (p: string) => (await fs.readdir(p).catch(() => [] as string[])).sort();
      for (const a of await level(dir)) {
        if (!/^[0-9a-f]{2}$/.test(a)) continue;
        for (const b of await level(path.join(dir, a))) {
          if (!/^[0-9a-f]{2}$/.test(b)) continue;
          for (const key of await level(path.join(dir, a, b)))
            if (isContentKey(key) && (!after || key > after)) yield key;
        }
      }
    },
    async ping() {
      await fs.mkdir(dir, { recursive: true });
      await fs.access(dir, fs.constants.W_OK);
    },
    close: () => writer.close(),
  };
}

/** How long connecting to the S3 endpoint may take. */
const S3_CONNECT_TIMEOUT_MS = 2_000;
/** How long a request may go without a byte either way (a slow upload that is moving is never cut off). */
const S3_IDLE_TIMEOUT_MS = 5_000;

/**
 * The payload's SHA-256 is the key: given to the signer as `x-amz-content-sha256` (which it takes instead of
 * hashing the body again), on the client's puts whose key (after `prefix`) is a content key.
 */
export function signKeyAsPayloadHash(client: S3Client, prefix: string): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      const key = (args.input as { Key?: string }).Key?.slice(prefix.length);
      if (context.commandName === 'PutObjectCommand' && request.headers && key && isContentKey(key))
        request.headers['x-amz-content-sha256'] = key;
      return next(args);
    },
    { step: 'build', name: 'payloadHashIsTheKey' },
  );
}

function createS3Store(bucket: string, prefix: string, s3: S3Settings): ContentStore {
  const endpoint = s3.AWS_ENDPOINT_URL_S3 || s3.AWS_ENDPOINT_URL;
  const config: S3ClientConfig = {
    ...(endpoint ? { endpoint } : {}),
    ...(s3.AWS_REGION ? { region: s3.AWS_REGION } : {}),
    ...(s3.AWS_ACCESS_KEY_ID && s3.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: s3.AWS_ACCESS_KEY_ID,
            secretAccessKey: s3.AWS_SECRET_ACCESS_KEY,
            ...(s3.AWS_SESSION_TOKEN ? { sessionToken: s3.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    forcePathStyle: s3.S3_FORCE_PATH_STYLE ?? false,
    // One retry: a create waits on this, and an outage must answer UNAVAILABLE within the caller's deadline.
    maxAttempts: 2,
    // The SDK waits forever by default: a store that accepts connections but never answers (a partition, a hung
    // server) would hold every create and cold read past its caller's deadline and wedge the sweeper's round.
    requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, socketTimeout: S3_IDLE_TIMEOUT_MS },
    // What a put costs paste-svc's CPU (bench/s3-put.ts; bench/README.md "S3 PutObject cost"): the SDK's defaults
    // spend most of it on work a content-addressed put does not need. No CRC32 of every body: the bytes are still
    // checked twice without it. In transit, by the store: SigV4 signs the payload's SHA-256
    // (`x-amz-content-sha256`, below: our key) and S3, MinIO, Garage and Ceph refuse a body that does not match
    // it (s3rver, the tests' stand-in, checks neither). At rest, on reads: each put sends the same hash as
    // `ChecksumSHA256`, a store that keeps checksums returns it with the object, and the SDK checks the bytes it
    // reads against it (`responseChecksumValidation` stays at its default). Neither hashes anything here.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Each command class's middleware stack is resolved (and sorted) once per client instead of on every send:
    // nothing here adds middleware to a command or passes per-send options, which would bypass the cache.
    cacheMiddleware: true,
  };
  const client = new S3Client(config);
  signKeyAsPayloadHash(client, prefix);
  return {
    name: `s3://${bucket}/${prefix}`,
    async put(key, content) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: content,
          ContentLength: content.length,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(key, 'hex').toString('base64'),
        }),
      );
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }));
    },
    async *list(after) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : after ? { StartAfter: prefix + after } : {}),
          }),
        );
        for (const o of page.Contents ?? []) {
          const key = (o.Key ?? '').slice(prefix.length);
          if (isContentKey(key)) yield key;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    },
    close() {
      client.destroy();
    },
  };
}
