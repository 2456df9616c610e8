import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestS3, type TestS3 } from '../testing/s3.js';
import { contentKey, createContentStore, parseContentStore, type ContentStore } from './content-store.js';

describe('CONTENT_STORE', () => {
  it('names database, file:///PATH and s3://BUCKET[/PREFIX], and the variable when it is none of them', () => {
    expect(parseContentStore('database')).toEqual({ kind: 'database' });
    expect(parseContentStore('file:///var/lib/pastes')).toEqual({ kind: 'file', dir: '/var/lib/pastes' });
    expect(parseContentStore('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseContentStore('s3://my-bucket/a/b/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'a/b/' });
    expect(() => parseContentStore('s3://')).toThrow(/CONTENT_STORE: "s3:\/\/" is not one of/);
    expect(() => parseContentStore('ftp://x')).toThrow(/CONTENT_STORE/);
    expect(() => parseContentStore('file://relative/path')).toThrow(/CONTENT_STORE/);
  });
});

const stores: [string, () => Promise<{ store: ContentStore; cleanup(): Promise<void> }>][] = [
  [
    'file',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-files-'));
      const store = createContentStore(parseContentStore(pathToFileURL(dir).href))!;
      return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    's3',
    async () => {
      const s3: TestS3 = await startTestS3('store');
      const env = s3.env;
      const store = createContentStore(parseContentStore(env['CONTENT_STORE']!), {
        ...env,
        S3_FORCE_PATH_STYLE: env['S3_FORCE_PATH_STYLE'] === 'true',
      })!;
      return {
        store,
        cleanup: async () => {
          store.close();
          await s3.cleanup();
        },
      };
    },
  ],
];

describe.each(stores)('a %s content store', (_kind, open) => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ store, cleanup } = await open()));
  afterAll(() => cleanup());

  it('keeps bytes under their SHA-256, writes idempotently, lists keys in order, and deletes', async () => {
    await store.ping();
    const a = Buffer.from('first paste\n');
    const b = Buffer.from([0, 255, 1, 254]);
    const [ka, kb] = [contentKey(a), contentKey(b)];
    await store.put(ka, a);
    await store.put(ka, a);
    await store.put(kb, b);
    expect(await store.get(ka)).toEqual(a);
    expect(await store.get(kb)).toEqual(b);
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    const keys: string[] = [];
    for await (const k of store.list()) keys.push(k);
    expect(keys).toEqual([ka, kb].sort());
    const after: string[] = [];
    for await (const k of store.list([ka, kb].sort()[0])) after.push(k);
    expect(after).toEqual([[ka, kb].sort()[1]]);
    await store.delete(ka);
    await store.delete(ka);
    expect(await store.get(ka)).toBeUndefined();
  });
});

describe('the S3 content store', () => {
  it('gives the store each put’s key as the SHA-256 it signs and checks, and computes no CRC32', async () => {
    // An endpoint that records what it is sent (s3rver checks neither hash): AWS S3, MinIO, Garage and Ceph
    // refuse a body whose SHA-256 is not the signed `x-amz-content-sha256`, and keep `x-amz-checksum-sha256`.
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on('end', () => res.writeHead(200, { ETag: '"0"' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const store = createContentStore(parseContentStore('s3://bucket/pastes'), {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: true,
    })!;
    try {
      const bytes = Buffer.from('checked by the store\n');
      const key = contentKey(bytes);
      await store.put(key, bytes);
      await store.put(key, bytes);
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers['x-amz-content-sha256']).toBe(key);
        expect(headers['x-amz-checksum-sha256']).toBe(Buffer.from(key, 'hex').toString('base64'));
        expect(headers.authorization).toContain('x-amz-content-sha256');
        expect(Object.keys(headers).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual(['x-amz-checksum-sha256']);
      }
    } finally {
      store.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
