// What the web client tells a person for each error the API can return (no browser needed).
import { describe, expect, it } from '@jest/globals';
import { ApiError, errorFromHttpStatus } from '../../gateway/web/src/api/api-error.js';
import { explainError } from '../../gateway/web/src/api/error-messages.js';

const err = (code: string, extra: Record<string, unknown> = {}, message = 'raw message') =>
  new ApiError({ message, extensions: { code, ...extra } });

describe('explainError', () => {
  it('names the size limit of a paste that is too large and points at the content field', () => {
    const e = explainError(err('BAD_USER_INPUT', { reason: 'CONTENT_TOO_LARGE', field: 'content', limit: 1_048_576 }));
    expect(e).toMatchObject({ title: 'Paste too large', field: 'content' });
    expect(e.detail).toContain('at most 1.0 MiB (1,048,576 bytes)');
  });

  it('turns the gateway message of other input errors into a sentence and keeps the field', () => {
    expect(explainError(err('BAD_USER_INPUT', { field: 'title' }, 'title: at most 200 characters'))).toEqual({
      title: 'Please check your input',
      detail: 'Title: at most 200 characters.',
      field: 'title',
    });
  });

  it('counts down a rate limit from retryAfter', () => {
    expect(explainError(err('RATE_LIMITED', { retryAfter: 12 }))).toMatchObject({
      title: 'Slow down',
      retryAfter: 12,
      detail: 'Too many requests. Try again in 12 seconds.',
    });
  });

  it('tells expired from missing pastes', () => {
    expect(explainError(err('NOT_FOUND', { reason: 'PASTE_EXPIRED' })).title).toBe('Paste expired');
    expect(explainError(err('NOT_FOUND')).title).toBe('Paste not found');
  });

  it('says the service is degraded, without blaming the user', () => {
    expect(explainError(err('SERVICE_UNAVAILABLE')).title).toBe('Service degraded');
    expect(explainError(err('NETWORK')).title).toBe('Cannot reach Pastemesh');
  });

  it('quotes the request id of an internal error and hides its message', () => {
    const e = explainError(err('INTERNAL_SERVER_ERROR', { requestId: 'req-42' }, 'SQL syntax near …'));
    expect(e.detail).toContain('req-42');
    expect(e.detail).not.toContain('SQL');
  });

  it('explains sign-in, permission and conflict errors by reason', () => {
    expect(explainError(err('UNAUTHENTICATED', { reason: 'INVALID_CREDENTIALS' })).detail).toBe(
      'Wrong email or password.',
    );
    expect(explainError(err('FORBIDDEN', { reason: 'NOT_OWNER' })).title).toBe('Not allowed');
    const taken = explainError(err('BAD_USER_INPUT', { reason: 'EMAIL_TAKEN', field: 'email' }));
    expect(taken).toMatchObject({ title: 'Cannot register this email', field: 'email' });
    expect(`${taken.title} ${taken.detail}`).not.toMatch(/already exists|already registered/i);
  });

  it('maps bare HTTP failures (body limit, proxies) onto the same explanations', () => {
    expect(explainError(errorFromHttpStatus(413, null, null)).title).toBe('Paste too large');
    expect(explainError(errorFromHttpStatus(429, '5', null)).retryAfter).toBe(5);
    expect(explainError(errorFromHttpStatus(503, null, null)).title).toBe('Service degraded');
  });
});
