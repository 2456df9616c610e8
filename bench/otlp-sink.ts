// An OTLP/HTTP trace endpoint for benchmarks, run as its own process so its CPU is measured apart from the
// mesh's: it takes `POST /v1/traces` (http/protobuf, gzip or not), counts export requests, bytes and spans per
// service, and keeps nothing. kit's startOtlpReceiver decodes every attribute and keeps every span, which is
// right for tests and would grow without bound (and cost the machine more CPU) under load.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { spawnNode, type ChildProc } from '../scripts/mesh/child-process.js';

/** What the sink has received since it started. */
export interface SinkCounts {
  requests: number;
  bytes: number;
  /** Spans by the exporting process's service.name. */
  spans: Record<string, number>;
  /** Export requests it could not read (answered 400). */
  rejected: number;
}

/** The sink, seen from the bench. */
export interface OtlpSink {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  proc: ChildProc;
  counts(): Promise<SinkCounts>;
}

/** Calls `each` for every field of a message; fields it does not read are skipped. */
function fields(bytes: Uint8Array, each: (field: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!each(field, reader)) reader.skip(wireType, field);
  }
}

/** Resource { repeated KeyValue attributes = 1 }, KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string = 1 }. */
function serviceName(resource: Uint8Array): string | undefined {
  let found: string | undefined;
  fields(resource, (f, r) => {
    if (f !== 1) return false;
    let key = '';
    let value: string | undefined;
    fields(r.bytes(), (kf, kr) => {
      if (kf === 1) key = kr.string();
      else if (kf === 2)
        fields(kr.bytes(), (vf, vr) => {
          if (vf !== 1) return false;
          value = vr.string();
          return true;
        });
      else return false;
      return true;
    });
    if (key === 'service.name') found = value;
    return true;
  });
  return found;
}

/** ExportTraceServiceRequest { repeated ResourceSpans = 1 } → ResourceSpans { resource = 1; repeated ScopeSpans = 2 } → ScopeSpans { repeated Span spans = 2 }. */
export function countSpans(body: Uint8Array, into: Record<string, number>): void {
  fields(body, (f, r) => {
    if (f !== 1) return false;
    let service = '?';
    let n = 0;
    fields(r.bytes(), (rf, rr) => {
      if (rf === 1) service = serviceName(rr.bytes()) ?? service;
      else if (rf === 2)
        fields(rr.bytes(), (sf) => {
          if (sf === 2) n++;
          return false; // skipped either way: only counted
        });
      else return false;
      return true;
    });
    into[service] = (into[service] ?? 0) + n;
    return true;
  });
}

function serve(): void {
  const counts: SinkCounts = { requests: 0, bytes: 0, spans: {}, rejected: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        countSpans(body, counts.spans);
        counts.requests++;
        counts.bytes += raw.length;
        // An empty ExportTraceServiceResponse: everything accepted.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      } catch (err) {
        counts.rejected++;
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.on('message', (m: string) => {
      if (m === 'counts') process.send!({ counts });
    });
    process.send!({ port: (server.address() as AddressInfo).port });
  });
}

/** Starts the sink in a process of its own. */
export async function startOtlpSink(logDir?: string): Promise<OtlpSink> {
  const proc = spawnNode('otlp-sink', [fileURLToPath(import.meta.url), '--serve'], {}, true, logDir);
  const port = await new Promise<number>((resolve, reject) => {
    proc.child.once('message', (m: { port: number }) => resolve(m.port));
    proc.child.once('exit', () => reject(new Error(`otlp-sink exited during start-up:\n${proc.tail()}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    counts: () =>
      new Promise((resolve) => {
        const onMessage = (m: { counts?: SinkCounts }) => {
          if (!m.counts) return;
          proc.child.off('message', onMessage);
          resolve(m.counts);
        };
        proc.child.on('message', onMessage);
        proc.child.send('counts');
      }),
  };
}

if (process.argv[2] === '--serve') serve();
