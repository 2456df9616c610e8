import { Code } from '@connectrpc/connect';
import type { ErrorDetail } from '@pastemesh/gen/errors';
import { ExitCode } from './exit-codes.js';

/** The gRPC status name (as grpc-status and every gRPC tool spell it) and pastectl's exit status, per code. */
const BY_CODE: Record<Code, readonly [name: string, exit: ExitCode]> = {
  [Code.Canceled]: ['CANCELLED', ExitCode.FAILURE],
  [Code.Unknown]: ['UNKNOWN', ExitCode.FAILURE],
  [Code.InvalidArgument]: ['INVALID_ARGUMENT', ExitCode.REJECTED],
  [Code.DeadlineExceeded]: ['DEADLINE_EXCEEDED', ExitCode.UNAVAILABLE],
  [Code.NotFound]: ['NOT_FOUND', ExitCode.NOT_FOUND],
  [Code.AlreadyExists]: ['ALREADY_EXISTS', ExitCode.REJECTED],
  [Code.PermissionDenied]: ['PERMISSION_DENIED', ExitCode.AUTH],
  [Code.ResourceExhausted]: ['RESOURCE_EXHAUSTED', ExitCode.RATE_LIMITED],
  [Code.FailedPrecondition]: ['FAILED_PRECONDITION', ExitCode.REJECTED],
  [Code.Aborted]: ['ABORTED', ExitCode.FAILURE],
  [Code.OutOfRange]: ['OUT_OF_RANGE', ExitCode.REJECTED],
  [Code.Unimplemented]: ['UNIMPLEMENTED', ExitCode.FAILURE],
  [Code.Internal]: ['INTERNAL', ExitCode.FAILURE],
  [Code.Unavailable]: ['UNAVAILABLE', ExitCode.UNAVAILABLE],
  [Code.DataLoss]: ['DATA_LOSS', ExitCode.FAILURE],
  [Code.Unauthenticated]: ['UNAUTHENTICATED', ExitCode.AUTH],
};

/** An error pastectl reports and exits with: a message, an exit code, and what the service said. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The gRPC status name (e.g. NOT_FOUND), when a call failed. */
    readonly grpcCode?: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** A bad command line; the message says what to fix. */
  static usage(message: string): CliError {
    return new CliError(message, ExitCode.USAGE);
  }

  /** A failed RPC, by its gRPC code. */
  static fromCode(code: Code, message: string, detail?: ErrorDetail): CliError {
    const [name, exit] = BY_CODE[code] ?? ['UNKNOWN', ExitCode.FAILURE];
    return new CliError(message, exit, name, detail);
  }

  /** The shape `--json` prints on stderr. */
  toJSON() {
    return {
      error: {
        message: this.message,
        exitCode: this.exitCode,
        ...(this.grpcCode ? { code: this.grpcCode } : {}),
        ...(this.detail?.reason ? { reason: this.detail.reason } : {}),
        ...(this.detail?.field ? { field: this.detail.field } : {}),
        ...(this.detail && this.detail.limit > 0n ? { limit: Number(this.detail.limit) } : {}),
        ...(this.detail?.retryAfterSeconds ? { retryAfterSeconds: this.detail.retryAfterSeconds } : {}),
      },
    };
  }
}
