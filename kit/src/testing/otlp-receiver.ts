import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** One span as an OTLP receiver got it (ids in lower-case hex, as traceparent spells them). */
export interface ReceivedSpan {
  service: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

/** A running OTLP/HTTP trace receiver: `POST /v1/traces` in http/protobuf or http/json. */
export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests received, in order. */
  contentTypes: string[];
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP receiver for tests: what a Collector's `otlp` receiver accepts on its HTTP port, kept in memory.
 * Protobuf is decoded field by field from opentelemetry-proto's trace.proto (only the fields tests read).
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.push(type);
      try {
        if (req.url !== '/v1/traces') throw new Error(`unexpected path ${req.url}`);
        spans.push(...(type.startsWith('application/json') ? fromJson(body) : fromProtobuf(body)));
        res.writeHead(200, { 'content-type': type.startsWith('application/json') ? 'application/json' : type });
        res.end(type.startsWith('application/json') ? '{}' : '');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type JsonValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type JsonAttr = { key: string; value: JsonValue };

function fromJson(body: Buffer): ReceivedSpan[] {
  // http/json spells ids as hex (the OTLP/JSON mapping's exception to protobuf's base64).
  const doc = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: {
      resource?: { attributes?: JsonAttr[] };
      scopeSpans?: {
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind?: number;
          attributes?: JsonAttr[];
          links?: { traceId: string; spanId: string }[];
          status?: { code?: number };
        }[];
      }[];
    }[];
  };
  const out: ReceivedSpan[] = [];
  for (const rs of doc.resourceSpans ?? []) {
    const service = String(jsonAttributes(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          name: s.name,
          kind: s.kind ?? 0,
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
          attributes: jsonAttributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId.toLowerCase(), spanId: l.spanId.toLowerCase() })),
          status: s.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

function jsonAttributes(attrs: JsonAttr[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attrs ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (v !== undefined) out[key] = typeof v === 'string' && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}

/** Calls `each(field, reader)` for every field of the message in `bytes`; unknown fields are skipped. */
function fields(bytes: Uint8Array, each: (field: number, wireType: WireType, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!each(field, wireType, reader)) reader.skip(wireType, field);
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  fields(body, (f, _w, r) => {
    if (f !== 1) return false;
    const resourceSpans = r.bytes();
    let service = '';
    const pending: ReceivedSpan[] = [];
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    fields(resourceSpans, (f2, _w2, r2) => {
      if (f2 === 1) {
        service = String(protoAttributes(r2.bytes(), 1)['service.name'] ?? '');
        return true;
      }
      if (f2 !== 2) return false;
      // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
      fields(r2.bytes(), (f3, _w3, r3) => {
        if (f3 !== 2) return false;
        pending.push(protoSpan(r3.bytes()));
        return true;
      });
      return true;
    });
    for (const s of pending) out.push({ ...s, service });
    return true;
  });
  return out;
}

function protoSpan(bytes: Uint8Array): ReceivedSpan {
  const span: ReceivedSpan = {
    service: '',
    name: '',
    kind: 0,
    traceId: '',
    spanId: '',
    parentSpanId: '',
    attributes: {},
    links: [],
    status: 0,
  };
  const attributeBytes: Uint8Array[] = [];
  // Span { trace_id = 1; span_id = 2; trace_state = 3; parent_span_id = 4; name = 5; kind = 6; attributes = 9;
  //        links = 13; status = 15 }
  fields(bytes, (f, _w, r) => {
    switch (f) {
      case 1:
        span.traceId = hex(r.bytes());
        return true;
      case 2:
        span.spanId = hex(r.bytes());
        return true;
      case 4:
        span.parentSpanId = hex(r.bytes());
        return true;
      case 5:
        span.name = r.string();
        return true;
      case 6:
        span.kind = r.int32();
        return true;
      case 9:
        attributeBytes.push(r.bytes());
        return true;
      case 13: {
        const link = { traceId: '', spanId: '' };
        fields(r.bytes(), (lf, _lw, lr) => {
          if (lf === 1) link.traceId = hex(lr.bytes());
          else if (lf === 2) link.spanId = hex(lr.bytes());
          else return false;
          return true;
        });
        span.links.push(link);
        return true;
      }
      case 15:
        // Status { message = 2; code = 3; }
        fields(r.bytes(), (sf, _sw, sr) => {
          if (sf !== 3) return false;
          span.status = sr.int32();
          return true;
        });
        return true;
      default:
        return false;
    }
  });
  for (const kv of attributeBytes) Object.assign(span.attributes, keyValue(kv));
  return span;
}

/** The KeyValue entries at field `field` of a message (Resource.attributes is field 1). */
function protoAttributes(bytes: Uint8Array, field: number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  fields(bytes, (f, _w, r) => {
    if (f !== field) return false;
    Object.assign(out, keyValue(r.bytes()));
    return true;
  });
  return out;
}

/** KeyValue { string key = 1; AnyValue value = 2 } with AnyValue { string = 1; bool = 2; int64 = 3; double = 4 }. */
function keyValue(bytes: Uint8Array): Record<string, string | number | boolean> {
  let key = '';
  let value: string | number | boolean | undefined;
  fields(bytes, (f, _w, r) => {
    if (f === 1) key = r.string();
    else if (f === 2)
      fields(r.bytes(), (vf, _vw, vr) => {
        if (vf === 1) value = vr.string();
        else if (vf === 2) value = vr.bool();
        else if (vf === 3) value = Number(vr.int64());
        else if (vf === 4) value = vr.double();
        else return false;
        return true;
      });
    else return false;
    return true;
  });
  return value === undefined ? {} : { [key]: value };
}
