import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, type GrpcTransportOptions } from './grpc-transport.js';
import { callOptions } from './request-context.js';

/** A typed client and the means to close its connections. */
export interface ServiceClient<S extends DescService> {
  client: Client<S>;
  close(): void;
}

/**
 * The one way a Pastemesh process calls another: Connect's typed client over
 * grpc-js, with a default deadline and client metrics. Trace headers travel in each
 * call's options (`callOptions`).
 */
export function createServiceClient<S extends DescService>(
  service: S,
  options: GrpcTransportOptions,
): ServiceClient<S> {
  const transport = createGrpcTransport(options);
  return { client: createClient(service, transport), close: () => transport.close() };
}

/** Call options that forward a bearer credential (no request to trace: tests, background work). */
export function withBearer(
  token: string | undefined,
  timeoutMs?: number,
): { headers?: Record<string, string>; timeoutMs?: number } {
  return callOptions({ token, timeoutMs });
}
