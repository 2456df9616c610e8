import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ReasonSchema } from '@pastemesh/gen/errors';
import { Reason, appError, errorDetail, toPublicError } from './errors.js';
import { PASTE_INVALIDATE_CHANNEL } from '../storage/pubsub.js';

describe('toPublicError', () => {
  it('passes errors made with appError through unchanged', () => {
    const err = appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'paste x not found');
    expect(toPublicError(err)).toEqual({ error: err, unexpected: false });
  });

  it('turns a lost database connection into a retryable Unavailable', () => {
    const lost = Object.assign(new Error('Connection lost: The server closed the connection.'), {
      code: 'PROTOCOL_CONNECTION_LOST',
      fatal: true,
    });
    const { error, unexpected } = toPublicError(lost);
    expect(unexpected).toBe(false);
    expect(error.code).toBe(Code.Unavailable);
    expect(errorDetail(error)?.reason).toBe('SERVICE_UNAVAILABLE');
    expect(error.rawMessage).not.toContain('closed the connection');
  });

  it('masks anything else, including an Internal ConnectError from a library', () => {
    for (const err of [
      new TypeError('x is undefined'),
      new ConnectError('ECONNREFUSED 127.0.0.1:5001', Code.Internal),
    ]) {
      const { error, unexpected } = toPublicError(err);
      expect(unexpected).toBe(true);
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toBe('internal error');
    }
  });
});

describe('the Reason catalog', () => {
  it("is the contract's Reason enum, every value documented in docs/errors.md", () => {
    const names = ReasonSchema.values.filter((v) => v.number !== 0).map((v) => v.localName);
    expect(Object.keys(Reason).sort()).toEqual([...names].sort());
    const doc = fs.readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...names].sort());
  });

  it('names the invalidation channel as the contract declares it', () => {
    expect(PASTE_INVALIDATE_CHANNEL).toBe('paste.invalidate');
  });
});
