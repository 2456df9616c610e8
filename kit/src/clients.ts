import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, type GrpcTransportOptions } from './grpc-transport.js';

/** A typed client and the means to close its connections. */
export interface ServiceClient<S extends DescService> {
  client: Client<S>;
  close(): void;
}

/**
 * The one way a Pastemesh process calls another: Connect's typed client over
 * grpc-js, with a default deadline, trace propagation and client metrics.
 */
export function createServiceClient<S extends DescService>(service: S, options: GrpcTransportOptions): ServiceClient<S> {
  const transport = createGrpcTransport(options);
  return { client: createClient(service, transport), close: () => transport.close() };
}

/** Call options that forward a bearer credential. */
export function withBearer(token: string | undefined, timeoutMs?: number): { headers?: Record<string, string>; timeoutMs?: number } {
  return {
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}
