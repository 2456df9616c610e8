import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import { Code, ConnectError, type ContextValues, type Transport, type UnaryResponse } from '@connectrpc/connect';
import { Reason, appError, type ErrorFacts } from './errors.js';
import { findTrailerError } from '@connectrpc/connect/protocol-grpc';
import { headersToMetadata, metadataToHeaders } from './grpc-server.js';
import { observeWithTrace, type Metrics } from '../observability/metrics.js';
import { SpanKind, recordFailure, trace, type Tracing } from '../observability/tracing.js';
import { codeLabel } from './interceptors.js';
import { requestContextKey } from './request-context.js';

/** How a process reaches one peer's gRPC port. */
export interface GrpcTransportOptions {
  /**
   * `host:port`, optionally with an `http://` prefix; or several replicas, comma-separated
   * (`127.0.0.1:5002,127.0.0.1:5012`, or a grpc-js target such as `ipv4:…` / `dns:///…`),
   * which the client balances round-robin, skipping replicas that are down or draining.
   */
  address: string;
  /** HTTP/2 connections to open to the peer (round-robin); 1 is right for most peers. */
  connections?: number;
  /** Deadline for calls that set none, in milliseconds. */
  defaultTimeoutMs?: number;
  /** Client RED metrics, if the process exports them. */
  metrics?: Metrics;
  /** Compress requests with gzip (off by default: on loopback and in-cluster it costs more than it saves). */
  compression?: boolean;
  /** When recording, every call made for a traced request gets a client span, whose context the peer receives. */
  tracing?: Tracing;
}

/** Largest reply a client accepts from a peer, in bytes (grpc-js's max_receive_message_length). */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

/**
 * Errors this process made on its own side of a call (a request it failed to build, a reply larger than it
 * accepts): they say nothing about the peer's health, so circuit breakers must not count them.
 */
const localFailures = new WeakSet<ConnectError>();

/** True when a call failed on the caller's side, not because the peer is unhealthy. */
export function isLocalFailure(err: unknown): boolean {
  return err instanceof ConnectError && localFailures.has(err);
}

function localFailure(code: Code, message: string, facts: ErrorFacts = {}): ConnectError {
  const reason = code === Code.InvalidArgument ? Reason.REPLY_TOO_LARGE : Reason.INTERNAL;
  const err = appError(code, reason, message, facts);
  localFailures.add(err);
  return err;
}

/** A Connect transport that speaks gRPC through grpc-js, for Connect's typed `createClient`. */
export interface GrpcTransport extends Transport {
  /** Closes every connection. */
  close(): void;
}

/**
 * Builds a unary-only Connect Transport on grpc-js clients. Trace headers of the
 * current request are forwarded on every call; every call has a deadline.
 */
export function createGrpcTransport(options: GrpcTransportOptions): GrpcTransport {
  const { target: address, balanced } = grpcTarget(options.address);
  const count = Math.max(1, options.connections ?? 1);
  const channelOptions: grpc.ChannelOptions = {
    ...(balanced ? { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) } : {}),
    // Separate subchannels per client, so N clients really are N connections.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': MAX_REPLY_BYTES,
    ...(options.compression ? { 'grpc.default_compression_algorithm': 2 } : {}),
  };
  const clients = Array.from(
    { length: count },
    () => new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions),
  );
  let turn = 0;
  const tracing = options.tracing?.mode === 'recording' ? options.tracing : undefined;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;

  /** Per-method constants and bound metric children, built on a method's first call. */
  interface MethodInfo {
    path: string;
    serialize: (msg: never) => Buffer;
    deserialize: (buf: Buffer) => unknown;
    handling?: { observe(seconds: number): void };
    handled: Map<number, { inc(): void }>;
    labels: { grpc_service: string; grpc_method: string };
  }
  const methods = new Map<DescMethodUnary<DescMessage, DescMessage>, MethodInfo>();
  function infoOf(method: DescMethodUnary<DescMessage, DescMessage>): MethodInfo {
    let info = methods.get(method);
    if (!info) {
      const labels = { grpc_service: method.parent.typeName, grpc_method: method.name };
      info = {
        path: `/${method.parent.typeName}/${method.name}`,
        // The message arrives already encoded (see unary): a request that cannot be built never reaches grpc-js.
        serialize: (msg: never) => msg as unknown as Buffer,
        deserialize: (buf: Buffer) => fromBinary(method.output, buf),
        ...(options.metrics ? { handling: options.metrics.grpcClientHandling.labels(labels) } : {}),
        handled: new Map(),
        labels,
      };
      methods.set(method, info);
    }
    return info;
  }
  function countHandled(info: MethodInfo, code: number): void {
    if (!options.metrics) return;
    let child = info.handled.get(code);
    if (!child) {
      child = options.metrics.grpcClientHandled.labels({ ...info.labels, grpc_code: codeLabel(Code[code] ?? 'OK') });
      info.handled.set(code, child);
    }
    child.inc();
  }

  function unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: ConstructorParameters<typeof Headers>[0] | undefined,
    input: MessageInitShape<I>,
    contextValues?: ContextValues,
  ): Promise<UnaryResponse<I, O>> {
    const client = clients[turn++ % count]!;
    const info = infoOf(method as unknown as DescMethodUnary<DescMessage, DescMessage>);
    const metadata = new grpc.Metadata();
    if (header) setHeaders(metadata, header);
    // A client span for a call made for a traced request (recording only: the caller's context values carry it).
    const parent = tracing ? contextValues?.get(requestContextKey) : undefined;
    const span =
      parent?.otel && parent.sampled
        ? tracing!.startSpan(info.path.slice(1), SpanKind.CLIENT, parent.otel, {
            'rpc.system': 'grpc',
            'rpc.service': method.parent.typeName,
            'rpc.method': method.name,
            'server.address': address,
          })
        : undefined;
    if (span) {
      const headers: Record<string, string> = {};
      tracing!.inject(trace.setSpan(parent!.otel!, span), headers);
      for (const key in headers) metadata.set(key, headers[key]!);
    }
    const traceId = span ? parent!.traceId : undefined;
    const deadline = Date.now() + (timeoutMs && timeoutMs > 0 ? timeoutMs : defaultTimeoutMs);
    const started = info.handling ? process.hrtime.bigint() : 0n;
    return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
      if (signal?.aborted) {
        span?.end();
        return reject(new ConnectError('the call was cancelled', Code.Canceled));
      }
      let encoded: Buffer;
      try {
        encoded = Buffer.from(toBinary(method.input, create(method.input, input)));
      } catch (err) {
        if (span) recordFailure(span, err);
        span?.end();
        return reject(
          localFailure(Code.Internal, `could not encode the ${method.name} request: ${String(err)}`, { cause: err }),
        );
      }
      let responseMetadata: grpc.Metadata | undefined;
      const call = client.makeUnaryRequest(
        path(info),
        info.serialize,
        info.deserialize,
        encoded as never,
        metadata,
        { deadline },
        (err, value) => {
          signal?.removeEventListener('abort', onAbort);
          countHandled(info, err ? (err.code as number) : 0);
          if (info.handling)
            observeWithTrace(
              options.metrics!.grpcClientHandling,
              info.handling,
              info.labels,
              Number(process.hrtime.bigint() - started) / 1e9,
              traceId,
            );
          if (span) {
            span.setAttribute('rpc.grpc.status_code', err ? (err.code as number) : 0);
            if (err) recordFailure(span, err, err.details);
            span.end();
          }
          if (err) return reject(isOversizedReply(err) ? replyTooLarge(method.parent.name, err) : toConnectError(err));
          resolve(unaryResponse(method, value as never, responseMetadata));
        },
      );
      call.on('metadata', (md: grpc.Metadata) => (responseMetadata = md));
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    unary,
    stream() {
      return Promise.reject(
        new ConnectError('streaming RPCs are not supported by the grpc-js transport', Code.Unimplemented),
      );
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}

/**
 * The grpc-js target for an address: one `host:port` as it is; a comma-separated list of
 * IP endpoints as an `ipv4:`/`ipv6:` target; an explicit grpc-js scheme as it is. Lists and
 * schemes are balanced round-robin (pick-first would send everything to the first replica).
 */
export function grpcTarget(address: string): { target: string; balanced: boolean } {
  const bare = address.trim().replace(/^https?:\/\//, '');
  if (/^(ipv4|ipv6|dns):/.test(bare)) return { target: bare, balanced: true };
  if (!bare.includes(',')) return { target: bare, balanced: false };
  const endpoints = bare
    .split(',')
    .map((a) => a.trim().replace(/^https?:\/\//, ''))
    .filter(Boolean);
  const hosts = endpoints.map((e) => e.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'));
  const family = hosts.every((h) => isIP(h) === 4) ? 'ipv4' : hosts.every((h) => isIP(h) === 6) ? 'ipv6' : undefined;
  // grpc-js lists only IP literals of one family; names need one DNS target (dns:///name:port).
  if (!family)
    throw new Error(
      `gRPC address "${address}": a list must hold IPv4 or IPv6 host:port pairs only (use dns:///name:port for a name)`,
    );
  return { target: `${family}:${endpoints.join(',')}`, balanced: true };
}

const path = (info: { path: string }) => info.path;

/**
 * Copies call headers onto metadata without building a Fetch Headers for plain objects (the usual case).
 * `-bin` values are base64 (Connect's convention for binary headers); grpc-js sends them as bytes.
 */
function setHeaders(metadata: grpc.Metadata, header: ConstructorParameters<typeof Headers>[0]): void {
  const set = (key: string, value: string) =>
    metadata.set(key, key.endsWith('-bin') ? Buffer.from(value, 'base64') : value);
  if (header instanceof Headers || Array.isArray(header)) {
    for (const [key, value] of new Headers(header)) set(key, value);
    return;
  }
  for (const key in header) {
    const value = (header as Record<string, string>)[key];
    if (value !== undefined) set(key.toLowerCase(), value);
  }
}

/** The response; its header and trailer are made only if a caller reads them (Connect's typed client rarely does). */
function unaryResponse<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  message: UnaryResponse<I, O>['message'],
  metadata: grpc.Metadata | undefined,
): UnaryResponse<I, O> {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  return {
    stream: false,
    service: method.parent,
    method,
    message,
    get header() {
      return (header ??= metadata ? metadataToHeaders(metadata) : new Headers());
    },
    get trailer() {
      return (trailer ??= new Headers());
    },
  };
}

/** grpc-js refused a reply above max_receive_message_length ("Received message larger than max (N vs M)"). */
function isOversizedReply(err: grpc.ServiceError): boolean {
  return err.code === grpc.status.RESOURCE_EXHAUSTED && /^Received message larger than max/.test(err.details ?? '');
}

/** The caller asked for more than one reply may carry: its request to change, not the peer's health. */
function replyTooLarge(service: string, err: grpc.ServiceError): ConnectError {
  return localFailure(
    Code.InvalidArgument,
    `the reply from ${service} is larger than ${MAX_REPLY_BYTES} bytes: ask for fewer or smaller items at once`,
    {
      limit: MAX_REPLY_BYTES,
      cause: err,
    },
  );
}

/** grpc-js's error as a ConnectError, with the details from grpc-status-details-bin. */
function toConnectError(err: grpc.ServiceError): ConnectError {
  const trailer = metadataToHeaders(err.metadata ?? new grpc.Metadata());
  trailer.set('grpc-status', String(err.code));
  trailer.set('grpc-message', encodeURIComponent(err.details ?? ''));
  return findTrailerError(trailer) ?? new ConnectError(err.details ?? err.message, err.code as number as Code);
}

export { headersToMetadata };
