import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { startStack, type Stack } from '../scripts/stack.js';
import { metricValue } from './support/graphql.js';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const buf = path.join(root, 'node_modules/.bin/buf');
const bufCurl = async (...args: string[]) =>
  (await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { timeout: 20_000 })).stdout;
/** `buf curl` run from the repository root, as the README tells people to; resolves with stdout, or stderr and the exit code of a failed call. */
const bufCurlAt = (args: string[]) =>
  run(buf, ['curl', ...args], { cwd: root, timeout: 20_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );

/**
 * Asks a server's grpc.reflection.v1 ServerReflection for the file defining
 * `symbol` (file_containing_symbol), as grpcurl and `buf curl --reflect` do;
 * the messages are encoded by hand so nothing here depends on our own code.
 */
async function fileContainingSymbol(
  address: string,
  symbol: string,
): Promise<{ files: FileDescriptorProto[]; error: string }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const call = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const reply = new Promise<Buffer>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    const ended = new Promise<void>((resolve) => call.on('status', () => resolve()));
    // ServerReflectionRequest.file_containing_symbol = 4
    call.write(Buffer.from(new BinaryWriter().tag(4, WireType.LengthDelimited).string(symbol).finish()));
    const bytes = await reply;
    call.end();
    await ended;
    const files: FileDescriptorProto[] = [];
    let error = '';
    const response = new BinaryReader(bytes);
    while (response.pos < response.len) {
      const [field, wireType] = response.tag();
      // ServerReflectionResponse.file_descriptor_response = 4 (repeated bytes file_descriptor_proto = 1), error_response = 7 (error_message = 2)
      if (field !== 4 && field !== 7) {
        response.skip(wireType);
        continue;
      }
      const inner = new BinaryReader(response.bytes());
      while (inner.pos < inner.len) {
        const [f, wt] = inner.tag();
        if (field === 4 && f === 1) files.push(fromBinary(FileDescriptorProtoSchema, inner.bytes()));
        else if (field === 7 && f === 2) error = inner.string();
        else inner.skip(wt);
      }
    }
    return { files, error };
  } finally {
    client.close();
  }
}

describe('stock clients against every service (embedded default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'embedded',
      ports: 'random',
      env: { LOG_LEVEL: 'error' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gets SERVING from grpc.health.v1 Check with buf curl on auth, paste and analytics', async () => {
    for (const address of Object.values(stack.grpc)) {
      const out = await bufCurl(`http://${address}/grpc.health.v1.Health/Check`);
      expect(JSON.parse(out)).toEqual({ status: 'SERVING' });
    }
  });

  it("lists each service's methods through server reflection, with no proto files", async () => {
    const expected = {
      auth: 'pastemesh.auth.v1.AuthService/Login',
      paste: 'pastemesh.paste.v1.PasteService/CreatePaste',
      analytics: 'pastemesh.analytics.v1.AnalyticsService/TopPastes',
    };
    for (const [name, address] of Object.entries(stack.grpc)) {
      const out = await bufCurl('--list-methods', `http://${address}`);
      expect(out).toContain(expected[name as keyof typeof expected]);
      expect(out).toContain('grpc.health.v1.Health/Check');
    }
  });

  it('resolves pastemesh.errors.v1.ErrorDetail, the detail every error carries, by symbol through reflection on each service', async () => {
    for (const [name, address] of Object.entries(stack.grpc)) {
      const { files, error } = await fileContainingSymbol(address, 'pastemesh.errors.v1.ErrorDetail');
      expect([name, error]).toEqual([name, '']);
      const errors = files.find((f) => f.name === 'pastemesh/errors/v1/errors.proto');
      expect(errors?.messageType.map((m) => m.name)).toContain('ErrorDetail');
    }
  });

  it('calls a Connect port over HTTP/1.1 with buf curl, given the schema from proto/ (reflection needs HTTP/2)', async () => {
    const url = (method: string) =>
      `http://127.0.0.1:${stack.ports.paste['connect']}/pastemesh.paste.v1.PasteService/${method}`;
    const ok = await bufCurlAt(['--schema', 'proto', '--protocol', 'connect', url('ListLanguages'), '-d', '{}']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { languages: { id: string }[] }).languages.map((l) => l.id)).toContain(
      'typescript',
    );
    // The schema also names the error detail, so buf curl prints it decoded.
    const missing = await bufCurlAt([
      '--schema',
      'proto',
      '--protocol',
      'connect',
      url('GetPaste'),
      '-d',
      '{"id":"AAAAAAAAAAA"}',
    ]);
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stderr)).toMatchObject({
      code: 'not_found',
      details: [{ type: 'pastemesh.errors.v1.ErrorDetail', debug: { reason: 'PASTE_NOT_FOUND', field: 'id' } }],
    });
  });

  it('creates and reads a paste with buf curl using reflection (JSON in, JSON out)', async () => {
    const created = JSON.parse(
      await bufCurl(
        '-d',
        JSON.stringify({ content: Buffer.from('from buf curl').toString('base64') }),
        `http://${stack.grpc.paste}/pastemesh.paste.v1.PasteService/CreatePaste`,
      ),
    );
    expect(created.paste.id).toMatch(/^[0-9A-Za-z]{11}$/);
    const read = JSON.parse(
      await bufCurl(
        '-d',
        JSON.stringify({ id: created.paste.id }),
        `http://${stack.grpc.paste}/pastemesh.paste.v1.PasteService/GetPaste`,
      ),
    );
    expect(Buffer.from(read.paste.content, 'base64').toString()).toBe('from buf curl');
  });

  it('answers Connect JSON over HTTP/1.1 on each Connect port (curl)', async () => {
    const res = await fetch(
      `http://127.0.0.1:${stack.ports.paste['connect']}/pastemesh.paste.v1.PasteService/ListLanguages`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { languages: { id: string }[] };
    expect(body.languages.map((l) => l.id)).toContain('typescript');
  });

  it('shows RED metrics rising on each admin port after calls', async () => {
    const calls = {
      auth: 'pastemesh.auth.v1.AuthService/BatchGetUsers',
      paste: 'pastemesh.paste.v1.PasteService/ListLanguages',
      analytics: 'pastemesh.analytics.v1.AnalyticsService/TopPastes',
    } as const;
    for (const [name, path] of Object.entries(calls) as [keyof typeof calls, string][]) {
      const admin = `http://127.0.0.1:${stack.ports[name]['admin']}/metrics`;
      const method = path.split('/')[1]!;
      const count = async () =>
        metricValue(await (await fetch(admin)).text(), 'grpc_server_handled_total', {
          grpc_method: method,
          grpc_code: 'OK',
        });
      const before = await count();
      await bufCurl('-d', '{}', `http://${stack.grpc[name]}/${path}`);
      await bufCurl('-d', '{}', `http://${stack.grpc[name]}/${path}`);
      expect(await count()).toBe(before + 2);
      const text = await (await fetch(admin)).text();
      expect(metricValue(text, 'grpc_server_handling_seconds_count', { grpc_method: method })).toBeGreaterThanOrEqual(
        2,
      );
      expect(metricValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });
});
