import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from '@jest/globals';
import { ErrorDetailSchema } from '@pastemesh/gen/errors';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

describe('CliError', () => {
  it('gives every gRPC status a documented exit code', () => {
    const documented = new Set<number>(Object.values(ExitCode));
    for (const name of Object.keys(grpc.status).filter((k) => Number.isNaN(Number(k)))) {
      const exit = CliError.fromGrpc(name, 'x').exitCode;
      expect(documented.has(exit)).toBe(true);
      if (name !== 'OK') expect(exit).not.toBe(ExitCode.OK);
    }
  });

  it('separates not found, auth, rejected input, unavailable and rate limits', () => {
    expect(CliError.fromGrpc('NOT_FOUND', 'x').exitCode).toBe(3);
    expect(CliError.fromGrpc('UNAUTHENTICATED', 'x').exitCode).toBe(4);
    expect(CliError.fromGrpc('PERMISSION_DENIED', 'x').exitCode).toBe(4);
    expect(CliError.fromGrpc('INVALID_ARGUMENT', 'x').exitCode).toBe(5);
    expect(CliError.fromGrpc('UNAVAILABLE', 'x').exitCode).toBe(6);
    expect(CliError.fromGrpc('DEADLINE_EXCEEDED', 'x').exitCode).toBe(6);
    expect(CliError.fromGrpc('RESOURCE_EXHAUSTED', 'x').exitCode).toBe(7);
  });

  it('prints the reason, field, limit and retry time as JSON for scripts', () => {
    const detail = create(ErrorDetailSchema, { reason: 'CONTENT_TOO_LARGE', field: 'content', limit: 1024n, retryAfterSeconds: 0 });
    expect(CliError.fromGrpc('INVALID_ARGUMENT', 'content: at most 1024 bytes', detail).toJSON()).toEqual({
      error: { message: 'content: at most 1024 bytes', exitCode: 5, code: 'INVALID_ARGUMENT', reason: 'CONTENT_TOO_LARGE', field: 'content', limit: 1024 },
    });
  });
});
