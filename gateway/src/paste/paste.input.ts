import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { EXPIRY_NAMES, contentTooLarge, parseExpiryWord } from '@pastemesh/paste-svc/client';
import { invalidArgument } from '@pastemesh/kit/rpc';

/**
 * The parameters of the paste use cases as any edge hands them over: GraphQL gives enum names (`ONE_DAY`,
 * `UNLISTED`) and strings, plain HTTP gives words (`1d`, `unlisted`) and a raw body. Each is parsed here, once,
 * so the same mistake gets the same error (field, limit, what was received) on every path; what only the
 * owner of the data can judge (title length, known languages, allowed expiries, UTF-8) paste-svc checks.
 */
export interface PasteParams {
  content: string | Uint8Array;
  title?: string | null | undefined;
  language?: string | null | undefined;
  visibility?: string | null | undefined;
  expiry?: string | null | undefined;
  burnAfterRead?: boolean | string | null | undefined;
}

/** A create or update request ready for paste-svc. */
export interface ParsedPaste {
  content: Uint8Array;
  title: string | undefined;
  language: string | undefined;
  visibility: Visibility;
  expiry: Expiry;
  burnAfterRead: boolean;
}

const encoder = new TextEncoder();
/** What a parameter's value looked like, short enough for an error message. */
const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** Content as bytes, 1 byte to `maxBytes` (the decoded size counts, not how the transport escaped it). */
export function parseContent(content: string | Uint8Array, maxBytes: number): Uint8Array {
  const bytes = typeof content === 'string' ? encoder.encode(content) : content;
  if (bytes.length === 0) throw invalidArgument('content', 'content: must not be empty');
  if (bytes.length > maxBytes) throw contentTooLarge(maxBytes, bytes.length);
  return bytes;
}

/** `public`, `unlisted`, `private` in any case (GraphQL's enum names are the same words); unset keeps `fallback`. */
export function parseVisibility(value: string | null | undefined, fallback: Visibility): Visibility {
  if (value === undefined || value === null || value === '') return fallback;
  switch (value.toLowerCase()) {
    case 'public':
      return Visibility.PUBLIC;
    case 'unlisted':
      return Visibility.UNLISTED;
    case 'private':
      return Visibility.PRIVATE;
    default:
      throw invalidArgument('visibility', `visibility: one of public, unlisted, private (got ${shown(value)})`);
  }
}

/** A word (`1d`) or GraphQL's enum name (`ONE_DAY`); unset is the operator's default. */
export function parseExpiry(value: string | null | undefined): Expiry {
  if (value === undefined || value === null || value === '') return Expiry.UNSPECIFIED;
  const expiry = parseExpiryWord(value);
  if (expiry === undefined)
    throw invalidArgument('expiry', `expiry: one of ${EXPIRY_NAMES.join(', ')} (got ${shown(value)})`);
  return expiry;
}

/** A boolean, or on plain HTTP `1`/`true`/`0`/`false` (an empty `?burn` means yes). */
export function parseBurn(value: boolean | string | null | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  switch (value.toLowerCase()) {
    case '':
    case '1':
    case 'true':
    case 'yes':
      return true;
    case '0':
    case 'false':
    case 'no':
      return false;
    default:
      throw invalidArgument('burn', `burn: 1 or 0 (got ${shown(value)})`);
  }
}

/** Optional text: absent stays absent (an update keeps the current value). */
function optionalText(value: string | null | undefined): string | undefined {
  return value === undefined || value === null ? undefined : value;
}

/** Parses a create or update; `visibilityFallback` is PUBLIC for a create and UNSPECIFIED (keep) for an update. */
export function parsePaste(params: PasteParams, maxContentBytes: number, visibilityFallback: Visibility): ParsedPaste {
  return {
    content: parseContent(params.content, maxContentBytes),
    title: optionalText(params.title),
    language: optionalText(params.language),
    visibility: parseVisibility(params.visibility, visibilityFallback),
    expiry: parseExpiry(params.expiry),
    burnAfterRead: parseBurn(params.burnAfterRead),
  };
}

/** A version number to read: absent or 0 is the latest; otherwise a positive integer. */
export function parseVersion(value: number | string | null | undefined, field = 'version'): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 2_147_483_647) {
    throw invalidArgument(field, `${field}: a version number from 1 (got ${shown(String(value))})`);
  }
  return n;
}

/** A page size: 1 to `max`. */
export function parsePageSize(value: number, max: number, field = 'first'): number {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw invalidArgument(field, `${field}: must be 1 to ${max} (got ${value})`, max);
  return value;
}
