import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { invalidArgument } from '@pastemesh/kit/rpc';
import { contentTooLarge } from '../client/index.js';
import { EXPIRIES, expiryName, type ExpiryName } from './expiry.js';
import { AUTO_LANGUAGE, isKnownLanguage } from './languages.js';
import { PASTE_ID_PATTERN } from './paste-id.js';

/** The limits a request is checked against (from config). */
export interface PasteLimits {
  maxContentBytes: number;
  allowedExpiries: readonly ExpiryName[];
  defaultExpiry: ExpiryName;
}

export const MAX_TITLE_CHARS = 200;
/** BatchGetPastes' limit. */
export const MAX_BATCH_IDS = 500;
/** BatchListPasteVersions' limit (each paste brings all its versions). */
export const MAX_BATCH_VERSION_IDS = 100;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** Delete tokens we issue are far shorter; the bound keeps hashing cheap. */
export const MAX_DELETE_TOKEN_CHARS = 128;
/** The owner_id column's width. */
export const MAX_OWNER_ID_CHARS = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A well-formed paste id, or INVALID_ARGUMENT naming `field`. */
export function checkId(id: string, field = 'id'): string {
  if (!PASTE_ID_PATTERN.test(id))
    throw invalidArgument(field, `${field}: must be 11 letters or digits (got ${JSON.stringify(id.slice(0, 40))})`);
  return id;
}

/** Content is 1 byte to the limit of valid UTF-8; returned as a Buffer for storage. */
export function checkContent(content: Uint8Array, maxBytes: number): Buffer {
  if (content.length === 0) throw invalidArgument('content', 'content: must not be empty');
  if (content.length > maxBytes) throw contentTooLarge(maxBytes, content.length);
  try {
    utf8.decode(content);
  } catch {
    throw invalidArgument('content', 'content: must be valid UTF-8 text');
  }
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** At most 200 characters (Unicode code points, as MySQL counts them). */
export function checkTitle(title: string): string {
  const chars = [...title].length;
  if (chars > MAX_TITLE_CHARS)
    throw invalidArgument('title', `title: at most ${MAX_TITLE_CHARS} characters (got ${chars})`, MAX_TITLE_CHARS);
  return title;
}

/** A language id from ListLanguages; empty means "auto". */
export function checkLanguage(language: string): string {
  if (language === '') return AUTO_LANGUAGE;
  if (!isKnownLanguage(language)) {
    throw invalidArgument(
      'language',
      `language: unknown language ${JSON.stringify(language.slice(0, 40))} (see ListLanguages)`,
    );
  }
  return language;
}

/** PUBLIC, UNLISTED or PRIVATE; UNSPECIFIED becomes `fallback`. */
export function checkVisibility(visibility: Visibility, fallback: Visibility): Visibility {
  if (visibility === Visibility.UNSPECIFIED) return fallback;
  if (visibility !== Visibility.PUBLIC && visibility !== Visibility.UNLISTED && visibility !== Visibility.PRIVATE) {
    throw invalidArgument('visibility', `visibility: unknown value ${visibility}`);
  }
  return visibility;
}

/** The paste's lifetime in ms (undefined: never), if the expiry is in the operator's allowed set. */
export function checkExpiry(expiry: Expiry, limits: PasteLimits): number | undefined {
  const name = expiry === Expiry.UNSPECIFIED ? limits.defaultExpiry : expiryName(expiry);
  if (!name || !limits.allowedExpiries.includes(name)) {
    const allowed = limits.allowedExpiries.map((n) => Expiry[EXPIRIES[n].value]).join(', ');
    throw invalidArgument('expiry', `expiry: ${Expiry[expiry] ?? expiry} is not allowed here (allowed: ${allowed})`);
  }
  return EXPIRIES[name].ms;
}

/** A delete token (empty: none given) of at most 128 characters. */
export function checkDeleteToken(token: string): string {
  if (token.length > MAX_DELETE_TOKEN_CHARS) {
    throw invalidArgument(
      'delete_token',
      `delete_token: at most ${MAX_DELETE_TOKEN_CHARS} characters (got ${token.length})`,
      MAX_DELETE_TOKEN_CHARS,
    );
  }
  return token;
}

/** A user id to list pastes of (empty: the public listing) of at most 64 characters. */
export function checkOwnerId(ownerId: string): string {
  if (ownerId.length > MAX_OWNER_ID_CHARS) {
    throw invalidArgument(
      'owner_id',
      `owner_id: at most ${MAX_OWNER_ID_CHARS} characters (got ${ownerId.length})`,
      MAX_OWNER_ID_CHARS,
    );
  }
  return ownerId;
}

/** 1 to 100; 0 means 20. */
export function checkPageSize(pageSize: number): number {
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument('page_size', `page_size: must be 1 to ${MAX_PAGE_SIZE} (got ${pageSize})`, MAX_PAGE_SIZE);
  }
  return pageSize;
}

/** At most `max` ids; malformed ids are dropped (they cannot exist), duplicates collapsed. */
export function checkBatchIds(ids: string[], max: number): string[] {
  if (ids.length > max) throw invalidArgument('ids', `ids: at most ${max} (got ${ids.length})`, max);
  return [...new Set(ids.filter((id) => PASTE_ID_PATTERN.test(id)))];
}

/** 0 (latest) or a positive version number. */
export function checkVersion(version: number): number {
  if (version < 0)
    throw invalidArgument('version', `version: must be 0 (latest) or a version number from 1 (got ${version})`);
  return version;
}
