// End to end: one GraphQL read traced across the mesh. Every service runs as a child process from its bundle
// (what is deployed, and its stdout is the JSON log an operator reads), exporting spans over OTLP/HTTP to a
// receiver this test starts, once on MySQL + Redis over http/protobuf and once on embedded SQLite over
// http/json. The read goes gateway → paste-svc → storage and gateway → analytics-svc as a signed-in author
// reading a paste with its statistics (the author's own paste loader), and once anonymously (the loader all
// anonymous requests share, whose call carries the trace of the one request waiting on it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventually,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
  type StorageMode,
} from '@pastemesh/kit/testing';
import { startMesh, type Mesh, type ServiceName } from '../../scripts/mesh/start-mesh.js';
import { TEST_DOWNSTREAM_TIMEOUT_MS } from '../../scripts/stack.js';
import { gqlOk, setupCall, signUp, type Account } from '../support/graphql.js';

/** OTLP span kinds. */
const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;

/** Each service's process name (its folder) and its service.name on spans. */
const PROCESSES: Record<Exclude<ServiceName, 'auth'>, string> = {
  gateway: 'gateway',
  paste: 'paste-svc',
  analytics: 'analytics-svc',
};

const SETUPS: { mode: StorageMode; protocol: 'http/protobuf' | 'http/json'; databases: string[] }[] = [
  { mode: 'mysql', protocol: 'http/protobuf', databases: ['mysql', 'redis'] },
  { mode: 'embedded', protocol: 'http/json', databases: ['sqlite'] },
];

/** Spans and log lines arrive after the response: exports every 100 ms, stdout through a pipe, a busy machine. */
const ARRIVAL_MS = 30_000;

const READ = `query ReadPaste($id: ID!) {
  paste(id: $id) { id content stats { totalViews viewsPerDay { day count } } }
}`;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** One JSON log line a process wrote to stdout. */
type LogLine = Record<string, unknown> & { msg?: string; request_id?: string; trace_id?: string; span_id?: string };

describe.each(SETUPS)('a GraphQL read traced across the mesh ($mode storage, spans over $protocol)', (setup) => {
  let receiver: OtlpReceiver;
  let mesh: Mesh;
  let author: Account;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    mesh = await startMesh({
      run: 'built',
      mode: setup.mode,
      label: `tracing_${setup.mode}`,
      // A Redis database of its own: its analytics-svc must not drain other suites' view events.
      redisDb: 8,
      ports: 'random',
      env: {
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: setup.protocol,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      serviceEnv: { gateway: { DOWNSTREAM_TIMEOUT_MS: TEST_DOWNSTREAM_TIMEOUT_MS } },
    });
    author = await setupCall(() => signUp(mesh.gatewayUrl, 'tracer'));
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
    await receiver?.close();
  }, 60_000);

  /** A fresh paste of the author's (a fresh one each time: a paste read once is served from the gateway's hot cache). */
  const newPaste = async (): Promise<string> => {
    const data = await setupCall(() =>
      gqlOk<{ createPaste: { paste: { id: string } } }>(
        mesh.gatewayUrl,
        'mutation CreatePaste($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } } }',
        { input: { content: `traced ${hex(4)}`, visibility: 'UNLISTED' } },
        author.accessToken,
      ),
    );
    return data.createPaste.paste.id;
  };

  /** Reads a fresh paste and its statistics as the author, sending `headers`. */
  const read = async (headers: Record<string, string>): Promise<string> => {
    const id = await newPaste();
    const data = await gqlOk<{ paste: { id: string; content: string; stats: unknown } }>(
      mesh.gatewayUrl,
      READ,
      { id },
      { token: author.accessToken, headers },
    );
    expect(data.paste).toMatchObject({ id, content: expect.stringMatching(/^traced /), stats: expect.anything() });
    return id;
  };

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

  /** A process's JSON log lines for one request id. */
  const linesOf = (service: keyof typeof PROCESSES, requestId: string): LogLine[] =>
    mesh
      .replica(service)
      .log.flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return []; // not one of pino's lines
        }
      })
      .filter((line) => line.request_id === requestId);

  /** The access-log lines of a request: the gateway's `request` line and one `rpc` line per call in each service. */
  const accessLines = (requestId: string) => ({
    gateway: linesOf('gateway', requestId).filter((l) => l.msg === 'request'),
    paste: linesOf('paste', requestId).filter((l) => l.msg === 'rpc'),
    analytics: linesOf('analytics', requestId).filter((l) => l.msg === 'rpc'),
  });

  /** Waits until every process logged its access line for `requestId`; the assertions after it say what is missing. */
  const logged = (requestId: string) =>
    eventually(() => Object.values(accessLines(requestId)).every((lines) => lines.length > 0), ARRIVAL_MS).catch(
      () => {},
    );

  /**
   * Waits until the trace is whole: the gateway's HTTP span, paste-svc's and analytics-svc's server spans, and
   * the parent of every span received. The assertions after it say what is missing.
   */
  const whole = (traceId: string, rootParent: string) =>
    eventually(() => {
      const spans = spansOf(traceId);
      const ids = new Set([rootParent, ...spans.map((s) => s.spanId)]);
      return (
        spans.some((s) => s.service === 'gateway' && s.kind === SERVER) &&
        spans.some((s) => s.service === 'paste-svc' && s.kind === SERVER) &&
        spans.some((s) => s.service === 'analytics-svc' && s.kind === SERVER) &&
        spans.every((s) => ids.has(s.parentSpanId))
      );
    }, ARRIVAL_MS).catch(() => {});

  /** The gateway's HTTP server span of a trace (the edge). */
  const edgeOf = (spans: ReceivedSpan[]) =>
    spans.find((s) => s.service === 'gateway' && s.kind === SERVER && s.name === 'POST /graphql');

  describe('sent with a W3C traceparent and an x-request-id', () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const requestId = `trace-test-${hex(6)}`;
    let spans: ReceivedSpan[];
    let pasteId: string;
    const named = (service: string, name: string) => spans.filter((s) => s.service === service && s.name === name);
    const byId = (id: string) => spans.find((s) => s.spanId === id);
    /** True when `ancestor` is above `span` in the tree. */
    const isUnder = (span: ReceivedSpan, ancestor: ReceivedSpan) => {
      for (let p = byId(span.parentSpanId); p; p = byId(p.parentSpanId)) if (p.spanId === ancestor.spanId) return true;
      return false;
    };

    beforeAll(async () => {
      pasteId = await read({ traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': requestId });
      await whole(traceId, parentId);
      spans = spansOf(traceId);
    }, 120_000);

    it('exports spans of the gateway, paste-svc and analytics-svc, all under the trace id it sent', () => {
      expect(spans.length).toBeGreaterThan(0);
      expect([...new Set(spans.map((s) => s.service))]).toEqual(expect.arrayContaining(Object.values(PROCESSES)));
    });

    it('links every span into one tree whose root is the gateway’s HTTP span under the span it sent', () => {
      const edge = edgeOf(spans);
      expect(edge).toMatchObject({ parentSpanId: parentId, attributes: { 'http.route': '/graphql' } });
      expect(spans.filter((s) => s.parentSpanId === parentId)).toEqual([edge]);
      const orphans = spans.filter((s) => s !== edge && !byId(s.parentSpanId));
      expect(orphans.map((s) => `${s.service} ${s.name}`)).toEqual([]);
      for (const span of spans) if (span !== edge) expect(isUnder(span, edge!)).toBe(true);
    });

    it('makes each gRPC call a client span in the gateway that is the parent of the callee’s server span', () => {
      for (const callee of ['paste-svc', 'analytics-svc']) {
        const servers = spans.filter((s) => s.service === callee && s.kind === SERVER);
        expect(servers.length).toBeGreaterThan(0);
        for (const server of servers) {
          const client = byId(server.parentSpanId);
          expect(client).toMatchObject({
            service: 'gateway',
            kind: CLIENT,
            name: server.name,
            attributes: { 'rpc.system': 'grpc', 'rpc.method': server.attributes['rpc.method'] },
          });
        }
      }
      // No call left the gateway without its callee joining the trace.
      const calls = spans.filter((s) => s.service === 'gateway' && s.kind === CLIENT);
      for (const call of calls) expect(spans.filter((s) => s.parentSpanId === call.spanId)).toHaveLength(1);
    });

    it(`traces paste-svc's storage (${setup.databases.join(' and ')}) under its server span`, () => {
      const server = spans.find((s) => s.service === 'paste-svc' && s.kind === SERVER)!;
      const storage = spans.filter((s) => s.service === 'paste-svc' && s.attributes['db.system.name'] !== undefined);
      expect(new Set(storage.map((s) => s.attributes['db.system.name']))).toEqual(new Set(setup.databases));
      for (const span of storage) {
        expect(span.kind).toBe(CLIENT);
        expect(isUnder(span, server)).toBe(true);
      }
      const sql = storage.find((s) => s.attributes['db.system.name'] !== 'redis')!;
      expect(sql.attributes).toMatchObject({ 'db.operation.name': 'SELECT', 'db.query.text': expect.any(String) });
      // The statement with its placeholders, never the values bound to them.
      for (const span of storage) expect(String(span.attributes['db.query.text'] ?? '')).not.toContain(pasteId);
    });

    it('traces the GraphQL operation, the resolvers that took time, and the calls they make under the operation', () => {
      const edge = edgeOf(spans)!;
      const [operation] = named('gateway', 'query ReadPaste');
      expect(operation).toMatchObject({
        kind: INTERNAL,
        parentSpanId: edge.spanId,
        attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'ReadPaste' },
      });
      // The two fields that wait on a service (paste-svc, analytics-svc) have spans under the operation; one
      // answered from memory (Paste.content, from the paste Query.paste loaded) has one only if it took
      // FIELD_SPAN_MIN_MS, which a read's other work in the same tick can make it take.
      for (const field of ['Query.paste', 'Paste.stats'])
        expect(named('gateway', field)).toEqual([expect.objectContaining({ parentSpanId: operation!.spanId })]);
      for (const span of named('gateway', 'Paste.content')) expect(span.parentSpanId).toBe(operation!.spanId);
      // Fields read off their parent object have no resolver of ours, and no span.
      expect(named('gateway', 'Paste.id')).toEqual([]);
      expect(named('gateway', 'DailyCount.day')).toEqual([]);
      const calls = spans.filter((s) => s.service === 'gateway' && s.kind === CLIENT);
      expect(calls.map((s) => `${s.name} under ${byId(s.parentSpanId)?.name}`)).toEqual(
        calls.map((s) => `${s.name} under query ReadPaste`),
      );
    });

    it('writes each process’s access-log line for the request with its request id, trace id and span id', async () => {
      await logged(requestId);
      const lines = accessLines(requestId);
      for (const [service, found] of Object.entries(lines)) {
        expect({ service, logged: found.length > 0 }).toEqual({ service, logged: true });
        for (const line of found) expect(line).toMatchObject({ request_id: requestId, trace_id: traceId });
      }
      // Every line about the request, not only the access log, carries the trace id.
      for (const service of Object.keys(PROCESSES) as (keyof typeof PROCESSES)[])
        for (const line of linesOf(service, requestId)) expect(line.trace_id).toBe(traceId);
      // Each line names the span its process served the request in.
      expect(lines.gateway.map((l) => l.span_id)).toEqual([edgeOf(spans)!.spanId]);
      for (const service of ['paste', 'analytics'] as const) {
        const servers = spans.filter((s) => s.service === PROCESSES[service] && s.kind === SERVER);
        expect(lines[service].map((l) => l.span_id).sort()).toEqual(servers.map((s) => s.spanId).sort());
      }
    }, 60_000);
  });

  it('gives a read sent without trace context one new trace, shared by every process’s spans and log lines', async () => {
    const requestId = `trace-test-${hex(6)}`;
    await read({ 'x-request-id': requestId });
    await logged(requestId);
    const lines = accessLines(requestId);
    const traceIds = new Set(Object.values(lines).flatMap((found) => found.map((l) => l.trace_id)));
    for (const [service, found] of Object.entries(lines))
      expect({ service, logged: found.length > 0 }).toEqual({ service, logged: true });
    expect(traceIds.size).toBe(1);
    const [traceId] = [...traceIds] as string[];
    expect(traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    // A new trace, recorded: its root is the gateway's HTTP span, and the services joined it.
    await whole(traceId!, '');
    const spans = spansOf(traceId!);
    expect(edgeOf(spans)).toMatchObject({ parentSpanId: '' });
    expect([...new Set(spans.map((s) => s.service))]).toEqual(expect.arrayContaining(Object.values(PROCESSES)));
  }, 90_000);

  it('traces an anonymous read through the shared paste loader into paste-svc, logs included', async () => {
    const id = await newPaste();
    const traceId = hex(16);
    const parentId = hex(8);
    const requestId = `trace-test-${hex(6)}`;
    const data = await gqlOk<{ paste: { id: string; content: string } }>(
      mesh.gatewayUrl,
      READ,
      { id },
      { headers: { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': requestId } },
    );
    expect(data.paste).toMatchObject({ id, content: expect.stringMatching(/^traced /) });
    await whole(traceId, parentId);
    const spans = spansOf(traceId);
    const batch = spans.find(
      (s) => s.service === 'paste-svc' && s.kind === SERVER && s.name.endsWith('/BatchGetPastes'),
    );
    expect(batch).toBeDefined();
    const client = spans.find((s) => s.spanId === batch!.parentSpanId);
    expect(client).toMatchObject({ service: 'gateway', kind: CLIENT });
    await logged(requestId);
    const pasteLines = accessLines(requestId).paste;
    expect(pasteLines.map((l) => l.method)).toContain('pastemesh.paste.v1.PasteService/BatchGetPastes');
    for (const line of pasteLines) expect(line.trace_id).toBe(traceId);
  }, 90_000);

  it('joins the trace a single b3 header names, as Zipkin-style clients and Envoy send it', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const requestId = `trace-test-${hex(6)}`;
    await read({ b3: `${traceId}-${parentId}-1`, 'x-request-id': requestId });
    await whole(traceId, parentId);
    const spans = spansOf(traceId);
    expect(edgeOf(spans)).toMatchObject({ parentSpanId: parentId });
    expect([...new Set(spans.map((s) => s.service))]).toEqual(expect.arrayContaining(Object.values(PROCESSES)));
    await logged(requestId);
    for (const [service, found] of Object.entries(accessLines(requestId))) {
      expect({ service, logged: found.length > 0 }).toEqual({ service, logged: true });
      for (const line of found) expect(line.trace_id).toBe(traceId);
    }
  }, 90_000);
});
