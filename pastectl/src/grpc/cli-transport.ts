import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Transport } from '@connectrpc/connect';
import { ErrorDetailSchema } from '@pastemesh/gen/errors';
// The kit's transport subpath, not its index: the CLI should not load database drivers to make a call.
import { createGrpcTransport, type GrpcTransport } from '@pastemesh/kit/rpc';
import { CliError } from '../cli-error.js';

/** How pastectl reaches one service. */
export interface CliTransportOptions {
  /** `host:port` (an `http://` prefix is accepted). */
  address: string;
  /** Sent as `authorization: Bearer <key>` on every call when set. */
  apiKey?: string | undefined;
  /** Deadline of each call, in milliseconds. */
  timeoutMs: number;
}

/** A typed client's transport to one service; every failure is a CliError. */
export interface CliTransport {
  readonly address: string;
  /** Connect's typed client for a service served at this address (its own contract, grpc.health.v1, …). */
  client<S extends DescService>(service: S): Client<S>;
  close(): void;
}

/**
 * The kit's grpc-js transport (plain gRPC over HTTP/2, what the mesh speaks) under Connect's typed clients,
 * with the API key on every call and failures turned into CliErrors that carry the gRPC code and
 * Pastemesh's ErrorDetail.
 */
export function createCliTransport(options: CliTransportOptions): CliTransport {
  const grpc: GrpcTransport = createGrpcTransport({ address: options.address, defaultTimeoutMs: options.timeoutMs });
  const address = options.address.replace(/^https?:\/\//, '');
  const transport: Transport = {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const headers = new Headers(header);
      if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
      try {
        return await grpc.unary(method, signal, timeoutMs, headers, input, contextValues);
      } catch (err) {
        throw cliError(err, address, method.name);
      }
    },
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      grpc.stream(method, signal, timeoutMs, header, input, contextValues),
  };
  const clients = new Map<DescService, unknown>();
  return {
    address,
    client<S extends DescService>(service: S): Client<S> {
      let c = clients.get(service) as Client<S> | undefined;
      if (!c) clients.set(service, (c = createClient(service, transport)));
      return c;
    },
    close: () => grpc.close(),
  };
}

/** A failed call as pastectl reports it: unreachable and too-slow services named by address. */
export function cliError(err: unknown, address: string, rpc: string): CliError {
  const e = ConnectError.from(err);
  let message = e.rawMessage;
  if (e.code === Code.Unavailable) {
    // grpc-js says "No connection established. Last error: Error: connect ECONNREFUSED …. Resolution note: "; keep the cause.
    const cause = /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(message)?.[1] ?? message;
    message = `${rpc}: ${address} is unreachable (${cause.trim()})`;
  }
  if (e.code === Code.DeadlineExceeded) message = `${rpc}: ${address} did not answer in time`;
  return CliError.fromCode(e.code, message, e.findDetails(ErrorDetailSchema)[0]);
}
