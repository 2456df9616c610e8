import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { Code, ConnectError } from '@connectrpc/connect';
import { appError, Reason } from '@pastemesh/kit/rpc';
import { GRAPHQL_CODE_BY_GRPC, formatError } from './error-codes.js';

const allCodes = Object.values(Code).filter((v): v is Code => typeof v === 'number');

describe('gRPC to GraphQL error mapping', () => {
  it('maps every gRPC code to a GraphQL code', () => {
    expect(allCodes.length).toBe(16);
    for (const code of allCodes) expect(typeof GRAPHQL_CODE_BY_GRPC[code]).toBe('string');
  });

  it('uses the codes the style guide names for the common cases', () => {
    expect(GRAPHQL_CODE_BY_GRPC[Code.InvalidArgument]).toBe('BAD_USER_INPUT');
    expect(GRAPHQL_CODE_BY_GRPC[Code.NotFound]).toBe('NOT_FOUND');
    expect(GRAPHQL_CODE_BY_GRPC[Code.Unauthenticated]).toBe('UNAUTHENTICATED');
    expect(GRAPHQL_CODE_BY_GRPC[Code.PermissionDenied]).toBe('FORBIDDEN');
    expect(GRAPHQL_CODE_BY_GRPC[Code.AlreadyExists]).toBe('CONFLICT');
    expect(GRAPHQL_CODE_BY_GRPC[Code.ResourceExhausted]).toBe('RATE_LIMITED');
    expect(GRAPHQL_CODE_BY_GRPC[Code.Unavailable]).toBe('SERVICE_UNAVAILABLE');
    expect(GRAPHQL_CODE_BY_GRPC[Code.DeadlineExceeded]).toBe('SERVICE_UNAVAILABLE');
    expect(GRAPHQL_CODE_BY_GRPC[Code.Internal]).toBe('INTERNAL_SERVER_ERROR');
  });

  it('shapes every code through formatError, hiding the message of internal ones', () => {
    for (const code of allCodes) {
      const err = new GraphQLError('wrapped', {
        originalError: new ConnectError('secret SQL detail', code),
        path: ['paste'],
      });
      const out = formatError({ message: 'wrapped', path: ['paste'] }, err);
      expect(out.extensions?.['code']).toBe(GRAPHQL_CODE_BY_GRPC[code]);
      if (GRAPHQL_CODE_BY_GRPC[code] === 'INTERNAL_SERVER_ERROR') expect(out.message).toBe('internal error');
      // Without an ErrorDetail an outage comes from the transport, whose message names internal addresses.
      else if (GRAPHQL_CODE_BY_GRPC[code] === 'SERVICE_UNAVAILABLE')
        expect(out.message).toMatch(/^a service this request needs/);
      else expect(out.message).toBe('secret SQL detail');
    }
  });

  it('carries reason, field, limit and retry time from the error detail', () => {
    const original = appError(Code.InvalidArgument, Reason.CONTENT_TOO_LARGE, 'content: at most 1048576 bytes', {
      field: 'content',
      limit: 1048576,
    });
    const out = formatError({ message: 'x' }, new GraphQLError('x', { originalError: original }));
    expect(out.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CONTENT_TOO_LARGE',
      field: 'content',
      limit: 1048576,
    });
    const limited = appError(Code.ResourceExhausted, Reason.RATE_LIMITED, 'slow down', { retryAfterSeconds: 7 });
    expect(formatError({ message: 'x' }, new GraphQLError('x', { originalError: limited })).extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: 7,
    });
  });

  it('keeps the message of an outage our own code described (it carries an ErrorDetail)', () => {
    const open = appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, 'paste-svc is unavailable (circuit open)');
    expect(formatError({ message: 'x' }, new GraphQLError('x', { originalError: open })).message).toBe(
      'paste-svc is unavailable (circuit open)',
    );
  });

  it('masks unexpected exceptions and never sends a stack', () => {
    const err = new GraphQLError('boom', { originalError: new TypeError('cannot read x of undefined') });
    const out = formatError(
      { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } },
      err,
    );
    expect(out).toEqual({ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
