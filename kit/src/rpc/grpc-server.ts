import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMethodUnary, type DescService } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type Interceptor,
  type ServiceImpl,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect';
import { setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { protocolKey, wireSizesKey, type WireSizes } from './interceptors.js';

/** One service and the typed implementation that answers it. */
export interface ServiceBinding {
  service: DescService;
  /** A `ServiceImpl<typeof Service>`; typed where it is written, checked here method by method. */
  impl: object;
}

/** Pairs a service with its implementation, checking the implementation's type. */
export function bindService<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceBinding {
  return { service, impl };
}

/**
 * Mounts a typed Connect implementation on a grpc-js server, so the same object
 * answers plain gRPC at grpc-js speed. Handles deadlines, metadata, cancellation
 * and error details; every call runs through the same interceptors as Connect's.
 */
export function addServiceToGrpcServer(
  server: grpc.Server,
  binding: ServiceBinding,
  interceptors: Interceptor[],
  shutdownSignal: AbortSignal,
): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of binding.service.methods) {
    if (method.methodKind !== 'unary')
      throw new Error(`${binding.service.typeName}.${method.name}: only unary RPCs are supported`);
    const impl = (binding.impl as Record<string, unknown>)[method.localName] as
      | ((req: unknown, ctx: unknown) => unknown)
      | undefined;
    if (!impl) throw new Error(`${binding.service.typeName}.${method.name} has no implementation`);
    definition[method.localName] = {
      path: `/${binding.service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (msg: unknown) => Buffer.from(toBinary(method.input, msg as never)),
      // Decoded in the handler, which counts its bytes for the access log (grpc-js does not report them).
      requestDeserialize: (buf: Buffer) => buf,
      // Encoded by the handler (see chain), for the same reason.
      responseSerialize: (msg: unknown) => msg as Buffer,
      responseDeserialize: (buf: Buffer) => fromBinary(method.output, buf),
    };
    const call = chain(method as DescMethodUnary, binding.service, impl.bind(binding.impl), interceptors);
    const handler: grpc.handleUnaryCall<unknown, unknown> = (serverCall, callback) => {
      call(serverCall, shutdownSignal).then(
        ({ message, trailer }) => callback(null, message, trailer),
        (err: unknown) => callback(toServiceError(ConnectError.from(err))),
      );
    };
    handlers[method.localName] = handler;
  }
  server.addService(definition as grpc.ServiceDefinition, handlers);
}

type Handler = (
  call: grpc.ServerUnaryCall<unknown, unknown>,
  shutdownSignal: AbortSignal,
) => Promise<{ message: unknown; trailer: grpc.Metadata }>;

/**
 * Why a finished call's context signal is aborted (it releases the deadline timer and the signal's listeners).
 * One shared reason: aborting without one builds a DOMException, stack trace included, on every call.
 */
const CALL_FINISHED = new ConnectError('the call has finished', Code.Canceled);

function chain(
  method: DescMethodUnary,
  service: DescService,
  impl: (req: unknown, ctx: unknown) => unknown,
  interceptors: Interceptor[],
): Handler {
  return async (call, shutdownSignal) => {
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    const timeoutMs = Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - Date.now()) : undefined;
    const request = call.request as Buffer;
    const sizes: WireSizes & { encoded?: Uint8Array; message?: unknown } = { requestBytes: request.length };
    const contextValues = createContextValues().set(protocolKey, 'grpc').set(wireSizesKey, sizes);
    const ctx = createHandlerContext({
      service,
      method,
      protocolName: 'grpc',
      requestMethod: 'POST',
      url: call.getPath(),
      // createHandlerContext copies it into a Headers: pairs spare building one more.
      requestHeader: metadataToPairs(call.metadata),
      shutdownSignal,
      contextValues,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    let finished = false;
    // grpc-js 1.14 also emits 'cancelled' after every status it sends; only a call still running is cancelled.
    call.once('cancelled', () => {
      if (!finished) ctx.abort(new ConnectError('the call was cancelled', Code.Canceled));
    });
    const last = async (req: UnaryRequest): Promise<UnaryResponse> => {
      const out = await impl(req.message, ctx);
      const message = create(method.output, out as never);
      // Encoded here, inside the interceptors, so the access log (written as they unwind) knows its size.
      sizes.encoded = toBinary(method.output, message);
      sizes.message = message;
      sizes.responseBytes = sizes.encoded.length;
      return { stream: false, service, method, header: ctx.responseHeader, trailer: ctx.responseTrailer, message };
    };
    const next = interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
      (n, interceptor) => interceptor(n as never) as never,
      last,
    );
    try {
      const res = await next({
        stream: false,
        service,
        method,
        requestMethod: 'POST',
        url: call.getPath(),
        signal: ctx.signal,
        header: ctx.requestHeader,
        contextValues,
        message: decodeRequest(method, request),
      });
      const encoded = res.message === sizes.message ? sizes.encoded! : toBinary(method.output, res.message as never);
      return {
        message: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength),
        trailer: headersToMetadata(res.trailer),
      };
    } finally {
      finished = true;
      ctx.abort(CALL_FINISHED);
    }
  };
}

/** The request message, or InvalidArgument when its bytes are not one (a caller's mistake, not a crash). */
function decodeRequest(method: DescMethodUnary, request: Buffer): UnaryRequest['message'] {
  try {
    return fromBinary(method.input, request) as UnaryRequest['message'];
  } catch (err) {
    throw new ConnectError(
      `the ${method.name} request is not a valid ${method.input.typeName}: ${String(err)}`,
      Code.InvalidArgument,
    );
  }
}

/** grpc-js metadata as header pairs (binary values base64, as gRPC sends them). */
function metadataToPairs(metadata: grpc.Metadata): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values)
      pairs.push([key, typeof value === 'string' ? value : Buffer.from(value).toString('base64')]);
  }
  return pairs;
}

/** grpc-js metadata as Fetch Headers (binary values base64, as gRPC sends them). */
export function metadataToHeaders(metadata: grpc.Metadata): Headers {
  return new Headers(metadataToPairs(metadata));
}

/** Fetch Headers as grpc-js metadata; `-bin` values are base64-decoded. */
export function headersToMetadata(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, key) => {
    if (key.startsWith('grpc-') && key !== 'grpc-status-details-bin') return;
    if (key.endsWith('-bin')) metadata.add(key, Buffer.from(value, 'base64'));
    else metadata.add(key, value);
  });
  return metadata;
}

/** A ConnectError as grpc-js reports it, details included (grpc-status-details-bin). */
function toServiceError(err: ConnectError): Partial<grpc.StatusObject> {
  const trailer = setTrailerStatus(new Headers(err.metadata), err);
  return { code: err.code as number as grpc.status, details: err.rawMessage, metadata: headersToMetadata(trailer) };
}
