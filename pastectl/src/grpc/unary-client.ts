import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { CliError } from '../cli-error.js';
import { errorDetailFromStatus } from './status-details.js';

/** How to reach one service. */
export interface UnaryClientOptions {
  /** `host:port` (an `http://` prefix is accepted and dropped). */
  address: string;
  /** Sent as `authorization: Bearer <key>` when set. */
  apiKey?: string | undefined;
  /** Deadline of each call, in milliseconds. */
  timeoutMs: number;
}

/** A stock grpc-js client that sends protobuf-es messages. */
export interface UnaryClient {
  readonly address: string;
  call<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, input: MessageInitShape<I>): Promise<MessageShape<O>>;
  close(): void;
}

/**
 * Plain gRPC over HTTP/2 with @grpc/grpc-js: the path is `/<package.Service>/<Method>`
 * and messages are protobuf-es binary, `toBinary(Schema, create(Schema, value))`.
 * Failures become CliErrors carrying the gRPC code and Pastemesh's ErrorDetail.
 */
export function createUnaryClient(options: UnaryClientOptions): UnaryClient {
  const address = options.address.replace(/^https?:\/\//, '');
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    'grpc.max_send_message_length': 8 * 1024 * 1024,
  });
  return {
    address,
    call(method, input) {
      const metadata = new grpc.Metadata();
      if (options.apiKey) metadata.set('authorization', `Bearer ${options.apiKey}`);
      const path = `/${method.parent.typeName}/${method.name}`;
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          path,
          (value: MessageInitShape<typeof method.input>) => Buffer.from(toBinary(method.input, create(method.input, value))),
          (buf: Buffer) => fromBinary(method.output, buf),
          input,
          metadata,
          { deadline: Date.now() + options.timeoutMs },
          (err, value) => (err ? reject(fromServiceError(err, address, method.name)) : resolve(value!)),
        );
      });
    },
    close: () => client.close(),
  };
}

function fromServiceError(err: grpc.ServiceError, address: string, rpc: string): CliError {
  const statusBin = err.metadata?.get('grpc-status-details-bin')[0];
  const detail = errorDetailFromStatus(typeof statusBin === 'string' ? Buffer.from(statusBin, 'base64') : statusBin);
  const code = grpc.status[err.code] ?? 'UNKNOWN';
  let message = err.details || err.message;
  if (err.code === grpc.status.UNAVAILABLE) {
    // grpc-js says "No connection established. Last error: Error: connect ECONNREFUSED …. Resolution note: "; keep the cause.
    const cause = /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(message)?.[1] ?? message;
    message = `${rpc}: ${address} is unreachable (${cause.trim()})`;
  }
  if (err.code === grpc.status.DEADLINE_EXCEEDED) message = `${rpc}: ${address} did not answer in time`;
  return CliError.fromGrpc(code, message, detail);
}
