import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { Reason, appError, errorDetail, toPublicError } from './errors.js';

describe('toPublicError', () => {
  it('passes errors made with appError through unchanged', () => {
    const err = appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'paste x not found');
    expect(toPublicError(err)).toEqual({ error: err, unexpected: false });
  });

  it('turns a lost database connection into a retryable Unavailable', () => {
    const lost = Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    const { error, unexpected } = toPublicError(lost);
    expect(unexpected).toBe(false);
    expect(error.code).toBe(Code.Unavailable);
    expect(errorDetail(error)?.reason).toBe('SERVICE_UNAVAILABLE');
    expect(error.rawMessage).not.toContain('closed the connection');
  });

  it('masks anything else, including an Internal ConnectError from a library', () => {
    for (const err of [new TypeError('x is undefined'), new ConnectError('ECONNREFUSED 127.0.0.1:5001', Code.Internal)]) {
      const { error, unexpected } = toPublicError(err);
      expect(unexpected).toBe(true);
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toBe('internal error');
    }
  });
});
