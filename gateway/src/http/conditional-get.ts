/**
 * Conditional GET and HEAD (RFC 9110 §13): whether a client's copy, named by `If-None-Match` or
 * `If-Modified-Since`, is still the current representation, so the answer can be 304 without a body. A field
 * the client got wrong is ignored, as the RFC asks: the answer is then the full 200, never an error.
 */

/** What identifies one representation: its strong entity tag (without quotes) and when it was made. */
export interface Validators {
  /** The opaque tag, e.g. the content's SHA-256; sent as `"<tag>"`. */
  etag: string;
  lastModified: Date | null;
}

/** Longer than any HTTP-date (the obsolete RFC 850 form is the longest): not one, so not parsed. */
const MAX_HTTP_DATE_LENGTH = 40;
/** The three forms of HTTP-date all start with the day's name. */
const HTTP_DATE_START = /^(?:mon|tue|wed|thu|fri|sat|sun)/i;
/** One entity tag of a list, weak or strong; what lies between tags is skipped. Linear: no nested repetition. */
const ENTITY_TAG = /(?:W\/)?"([^"]*)"/g;

/** True when `If-None-Match` names the tag (weak comparison, as the RFC asks for this field) or is `*`. */
export function etagListMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  for (const m of ifNoneMatch.matchAll(ENTITY_TAG)) if (m[1] === etag) return true;
  return false;
}

/** An HTTP-date in epoch ms, or null when the value is not one. */
export function parseHttpDate(value: string): number | null {
  if (value.length > MAX_HTTP_DATE_LENGTH || !HTTP_DATE_START.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * True when the client already holds this representation. `If-None-Match`, when sent, decides alone;
 * otherwise `If-Modified-Since` does, at the one-second precision of HTTP dates, and is ignored when it is
 * not an HTTP-date or lies in the future (`now`, epoch ms).
 */
export function isNotModified(
  request: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  validators: Validators,
  now: number,
): boolean {
  if (request.ifNoneMatch !== undefined) return etagListMatches(request.ifNoneMatch, validators.etag);
  if (request.ifModifiedSince === undefined || validators.lastModified === null) return false;
  const since = parseHttpDate(request.ifModifiedSince);
  if (since === null || since > now) return false;
  return Math.floor(validators.lastModified.getTime() / 1000) * 1000 <= since;
}
