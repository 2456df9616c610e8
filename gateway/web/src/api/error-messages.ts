import type { ApiError } from './api-error.js';
import { formatBytes } from '../ui/format.js';

/** What to tell a person about an error: a title, a sentence, and optionally a field to point at. */
export interface ErrorExplanation {
  title: string;
  detail: string;
  /** The form field the error is about, when the API named one. */
  field?: string;
  /** Seconds until retrying may work (rate limits). */
  retryAfter?: number;
}

const REASON_TEXT: Record<string, (e: ApiError) => ErrorExplanation> = {
  CONTENT_TOO_LARGE: (e) => ({
    title: 'Paste too large',
    detail: e.limit
      ? `A paste may be at most ${formatBytes(e.limit)} (${e.limit.toLocaleString('en')} bytes). Shorten it or split it into several pastes.`
      : 'The paste is larger than this server accepts.',
    field: 'content',
  }),
  PASTE_EXPIRED: () => ({ title: 'Paste expired', detail: 'This paste has reached its expiry time and is gone.' }),
  PASTE_NOT_FOUND: () => ({
    title: 'Paste not found',
    detail:
      'There is no paste at this address. It may have been deleted, burned after reading, expired, or it is private.',
  }),
  VERSION_NOT_FOUND: () => ({ title: 'Version not found', detail: 'This paste has no such version.' }),
  NOT_OWNER: () => ({
    title: 'Not allowed',
    detail: 'Only the owner of this paste (or an admin, or whoever holds its delete token) can do that.',
  }),
  ADMIN_REQUIRED: () => ({ title: 'Not allowed', detail: 'This needs an administrator.' }),
  // Never says an account exists (that would let anyone test addresses): what to do, whichever is true.
  EMAIL_TAKEN: () => ({
    title: 'Cannot register this email',
    detail: 'This address cannot be used to register. If you already have an account, sign in instead.',
    field: 'email',
  }),
  INVALID_CREDENTIALS: () => ({ title: 'Sign-in failed', detail: 'Wrong email or password.' }),
  TOKEN_INVALID: () => ({ title: 'Session expired', detail: 'Your session is no longer valid. Please sign in again.' }),
  TOKEN_REUSED: () => ({
    title: 'Session ended',
    detail: 'This session was ended for safety (its token was used twice). Please sign in again.',
  }),
};

/** Turns any error from the API (or the network) into words for a person. */
export function explainError(e: ApiError): ErrorExplanation {
  const byReason = e.reason ? REASON_TEXT[e.reason] : undefined;
  if (byReason) return byReason(e);
  switch (e.code) {
    case 'BAD_USER_INPUT':
      // The gateway's messages name the field and limit (e.g. "title: at most 200 characters").
      return { title: 'Please check your input', detail: sentence(e.message), ...(e.field ? { field: e.field } : {}) };
    case 'NOT_FOUND':
      return REASON_TEXT['PASTE_NOT_FOUND']!(e);
    case 'UNAUTHENTICATED':
      return { title: 'Please sign in', detail: 'You need to be signed in to do that.' };
    case 'FORBIDDEN':
      return { title: 'Not allowed', detail: sentence(e.message) };
    case 'CONFLICT':
      return { title: 'Conflict', detail: sentence(e.message) };
    case 'RATE_LIMITED': {
      const wait = e.retryAfter ?? 0;
      return {
        title: 'Slow down',
        detail:
          wait > 0
            ? `Too many requests. Try again in ${wait} second${wait === 1 ? '' : 's'}.`
            : 'Too many requests. Try again in a moment.',
        ...(wait > 0 ? { retryAfter: wait } : {}),
      };
    }
    case 'SERVICE_UNAVAILABLE':
      return {
        title: 'Service degraded',
        detail: 'Part of Pastemesh is unavailable right now. Your data is safe; please try again in a little while.',
      };
    case 'NETWORK':
      return {
        title: 'Cannot reach Pastemesh',
        detail: 'The server did not answer. Check your connection and try again.',
      };
    default:
      return {
        title: 'Something went wrong',
        detail: `The server hit an unexpected error.${e.requestId ? ` If you report it, quote request id ${e.requestId}.` : ''}`,
      };
  }
}

function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return 'The request was refused.';
  return trimmed[0]!.toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}
