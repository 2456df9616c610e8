import type { ErrorDetail } from '@pastemesh/gen/errors';
import { ExitCode } from './exit-codes.js';

/** Exit status for each gRPC status name (grpc-js's `status` enum keys). */
const EXIT_BY_GRPC: Record<string, ExitCode> = {
  OK: ExitCode.OK,
  CANCELLED: ExitCode.FAILURE,
  UNKNOWN: ExitCode.FAILURE,
  INVALID_ARGUMENT: ExitCode.REJECTED,
  DEADLINE_EXCEEDED: ExitCode.UNAVAILABLE,
  NOT_FOUND: ExitCode.NOT_FOUND,
  ALREADY_EXISTS: ExitCode.REJECTED,
  PERMISSION_DENIED: ExitCode.AUTH,
  RESOURCE_EXHAUSTED: ExitCode.RATE_LIMITED,
  FAILED_PRECONDITION: ExitCode.REJECTED,
  ABORTED: ExitCode.FAILURE,
  OUT_OF_RANGE: ExitCode.REJECTED,
  UNIMPLEMENTED: ExitCode.FAILURE,
  INTERNAL: ExitCode.FAILURE,
  UNAVAILABLE: ExitCode.UNAVAILABLE,
  DATA_LOSS: ExitCode.FAILURE,
  UNAUTHENTICATED: ExitCode.AUTH,
};

/** An error pastectl reports and exits with: a message, an exit code, and what the service said. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The gRPC status name, when a call failed. */
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

  /** A failed RPC. */
  static fromGrpc(code: string, message: string, detail?: ErrorDetail): CliError {
    return new CliError(message, EXIT_BY_GRPC[code] ?? ExitCode.FAILURE, code, detail);
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
