// Deterministic seeded data: paste i has a known id and 1 KiB of content, so the load generator can pick
// random stored ids without being sent a million of them.
import { createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Seeded paste ids: "B" + 10 base62 digits of i, so ids sort in insertion order (sequential inserts). */
export function pasteId(i: number, prefix = 'B'): string {
  let s = '';
  let n = i;
  for (let k = 0; k < 10; k++) {
    s = ALPHABET[n % 62]! + s;
    n = Math.floor(n / 62);
  }
  return prefix + s;
}

/** Ids of the pastes the sweeper scenario expires (a separate range). */
export const expiredId = (i: number) => pasteId(i, 'X');

/** 1 KiB of printable content, distinct per paste. */
export function pasteContent(i: number, size = 1024): Buffer {
  const buf = Buffer.alloc(size);
  let x = (i * 2654435761 + 12345) >>> 0;
  for (let k = 0; k < size; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[k] = 32 + ((x >>> 16) % 95);
  }
  buf.write(`paste ${i}\n`, 0, 'latin1');
  buf[size - 1] = 10;
  return buf;
}

export const sha256Hex = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** The hot paste every "hot" scenario reads. */
export const HOT_ID = pasteId(0);

/** A GraphQL query body for reading one paste's content. */
export const READ_QUERY = 'query Read($id: ID!) { paste(id: $id) { content } }';

/** Recent public pastes with author and stats: one ListPastes, one BatchGetUsers, one BatchGetPasteStats. */
export const LIST_QUERY =
  'query List { pastes(first: 50) { edges { node { id title language createdAt author { id displayName } stats { totalViews uniqueViewers } } } } }';

export const CREATE_QUERY =
  'mutation Create($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } } }';

/** Every scalar field of a paste: the read's wider shape (the paste page's fields that call no other service). */
export const READ_ALL_SCALARS_QUERY =
  'query Read($id: ID!) { paste(id: $id) { id title content language visibility createdAt updatedAt expiresAt burnAfterRead concealed sizeBytes sha256 version latestVersion url rawUrl } }';

/** A body for a GraphQL read of paste `id` (READ_QUERY unless another operation named Read is given). */
export const readBody = (id: string, query = READ_QUERY) =>
  JSON.stringify({ query, variables: { id }, operationName: 'Read' });
