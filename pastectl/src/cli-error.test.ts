import { create } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { describe, expect, it } from '@jest/globals';
import { ErrorDetailSchema } from '@pastemesh/gen/errors';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** Every gRPC code Connect knows (its enum's numeric values). */
const CODES = Object.values(Code).filter((c): c is Code => typeof c === 'number');

describe('CliError', () => {
  it('gives every gRPC code a documented exit code and its gRPC status name', () => {
    const documented = new Set<number>(Object.values(ExitCode));
    expect(CODES).toHaveLength(16);
    for (const code of CODES) {
      const err = CliError.fromCode(code, 'x');
      expect(documented.has(err.exitCode)).toBe(true);
      expect(err.exitCode).not.toBe(ExitCode.OK);
      expect(err.grpcCode).toMatch(/^[A-Z_]+$/);
    }
    expect(CliError.fromCode(Code.Canceled, 'x').grpcCode).toBe('CANCELLED');
    expect(CliError.fromCode(Code.DeadlineExceeded, 'x').grpcCode).toBe('DEADLINE_EXCEEDED');
  });

  it('separates not found, auth, rejected input, unavailable and rate limits', () => {
    expect(CliError.fromCode(Code.NotFound, 'x').exitCode).toBe(3);
    expect(CliError.fromCode(Code.Unauthenticated, 'x').exitCode).toBe(4);
    expect(CliError.fromCode(Code.PermissionDenied, 'x').exitCode).toBe(4);
    expect(CliError.fromCode(Code.InvalidArgument, 'x').exitCode).toBe(5);
    expect(CliError.fromCode(Code.Unavailable, 'x').exitCode).toBe(6);
    expect(CliError.fromCode(Code.DeadlineExceeded, 'x').exitCode).toBe(6);
    expect(CliError.fromCode(Code.ResourceExhausted, 'x').exitCode).toBe(7);
  });

  it('prints the reason, field, limit and retry time as JSON for scripts', () => {
    const detail = create(ErrorDetailSchema, {
      reason: 'CONTENT_TOO_LARGE',
      field: 'content',
      limit: 1024n,
      retryAfterSeconds: 0,
    });
    expect(CliError.fromCode(Code.InvalidArgument, 'content: at most 1024 bytes', detail).toJSON()).toEqual({
      error: {
        message: 'content: at most 1024 bytes',
        exitCode: 5,
        code: 'INVALID_ARGUMENT',
        reason: 'CONTENT_TOO_LARGE',
        field: 'content',
        limit: 1024,
      },
    });
  });
});
