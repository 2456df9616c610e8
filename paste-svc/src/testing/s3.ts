import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import net from 'node:net';

/** An S3-protocol endpoint for a test, with the settings paste-svc reads. */
export interface TestS3 {
  /** CONTENT_STORE and the AWS_* settings, for a paste-svc config. */
  env: Record<string, string>;
  /** `s3rver` when this test started one, else the endpoint the environment named. */
  kind: 's3rver' | 'external';
  /** Stops answering (s3rver only): what an outage looks like to a client. */
  stop(): Promise<void>;
  /** Answers again on the same port, with what it held (s3rver only). */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * An S3 endpoint of the test's own: by default an `s3rver` (an S3-protocol server on local files) on a free port
 * with its own folder and a fresh bucket. With `AWS_ENDPOINT_URL_S3` set, the same suites run against that
 * endpoint instead (Garage, MinIO, SeaweedFS, AWS): each test takes a fresh prefix in `S3_TEST_BUCKET` (default
 * `pastemesh-test`, created if missing), with the credentials and `S3_FORCE_PATH_STYLE` from the environment.
 */
export async function startTestS3(label: string): Promise<TestS3> {
  const external = process.env['AWS_ENDPOINT_URL_S3'];
  if (external) {
    const bucket = process.env['S3_TEST_BUCKET'] ?? 'pastemesh-test';
    const settings: Record<string, string> = {
      AWS_ENDPOINT_URL_S3: external,
      AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
      ...(process.env['AWS_ACCESS_KEY_ID'] ? { AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] } : {}),
      ...(process.env['AWS_SECRET_ACCESS_KEY'] ? { AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] } : {}),
      S3_FORCE_PATH_STYLE: process.env['S3_FORCE_PATH_STYLE'] ?? 'true',
    };
    await createBucket(settings, bucket);
    return {
      env: { CONTENT_STORE: `s3://${bucket}/${label}-${randomBytes(4).toString('hex')}`, ...settings },
      kind: 'external',
      stop: () => Promise.reject(new Error('an external S3 endpoint cannot be stopped by a test')),
      start: () => Promise.resolve(),
      cleanup: () => Promise.resolve(),
    };
  }
  // Loaded only when needed: a run against an external endpoint does not need it.
  const { default: S3rver } = await import('s3rver');
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `pm-s3-${label}-`));
  const port = await freePort();
  const bucket = `pm-${label.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
  const make = () =>
    new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
  let server = make();
  let running = false;
  await server.run();
  running = true;
  // close() alone waits for the keep-alive connections a client holds, which under load never go idle:
  // an outage closes them too.
  const halt = async () => {
    const closing = server.close();
    (server as unknown as { httpServer?: { closeAllConnections(): void } }).httpServer?.closeAllConnections();
    await closing;
  };
  return {
    env: {
      CONTENT_STORE: `s3://${bucket}/pastes`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_REGION: 'us-east-1',
      // s3rver's own account.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    kind: 's3rver',
    async stop() {
      if (running) await halt();
      running = false;
    },
    async start() {
      if (running) return;
      server = make();
      await server.run();
      running = true;
    },
    async cleanup() {
      if (running) await halt();
      running = false;
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function createBucket(settings: Record<string, string>, bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint: settings['AWS_ENDPOINT_URL_S3']!,
    region: settings['AWS_REGION']!,
    forcePathStyle: settings['S3_FORCE_PATH_STYLE'] === 'true',
    ...(settings['AWS_ACCESS_KEY_ID'] && settings['AWS_SECRET_ACCESS_KEY']
      ? {
          credentials: {
            accessKeyId: settings['AWS_ACCESS_KEY_ID'],
            secretAccessKey: settings['AWS_SECRET_ACCESS_KEY'],
          },
        }
      : {}),
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
}

/** A port the OS says is free now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
