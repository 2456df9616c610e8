import type { Paste } from '@pastemesh/gen/paste';
import type { Logger } from '@pastemesh/kit/observability';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import type { ContentLocation } from '../paste/paste.table.js';
import { storeUnavailable, type ContentStore } from './content-store.js';

/**
 * Paste content as the handlers see it, wherever its bytes are: written to the object store before the metadata
 * transaction (so a failed store fails the request with nothing written), and read back for rows whose bytes
 * are there. Without a store (CONTENT_STORE=database) every step is a no-op and the bytes stay in the table.
 */
export interface Contents {
  /** Where new content goes. */
  readonly location: ContentLocation;
  /**
   * Before the transaction that references it: the object under `sha256` (idempotent). Also inside that
   * transaction when its row turned out to be a tombstone (paste-write.service.ts, rewriteIfRevived).
   */
  beforeWrite(sha256: string, content: Buffer): Promise<void>;
  /**
   * Fills in the content of pastes that were read with it but whose bytes are in the store (`contentIncluded`
   * false, not burn-after-read unless `burnToo`, a SHA-256 to fetch). Identical contents are fetched once.
   */
  fill(pastes: Paste[], burnToo?: boolean): Promise<void>;
}

/** What `contents` needs: the store CONTENT_STORE names, and the one content may still be in while it moves. */
export interface ContentsOptions {
  store: ContentStore | undefined;
  /** CONTENT_STORE_PREVIOUS: read from when the current store does not have an object (during a move). */
  previous?: ContentStore | undefined;
  logger: Logger;
}

export function createContents({ store, previous, logger }: ContentsOptions): Contents {
  const location: ContentLocation = store ? 'store' : 'database';
  const put = async (sha256: string, content: Buffer) => {
    if (!store) return;
    try {
      await store.put(sha256, content);
    } catch (err) {
      throw storeUnavailable(store, 'put', err);
    }
  };
  const get = async (sha256: string): Promise<Buffer> => {
    const from = store ?? previous;
    if (!from)
      throw appError(
        Code.Internal,
        Reason.INTERNAL,
        'this content is in an object store, and CONTENT_STORE (or CONTENT_STORE_PREVIOUS) names none',
      );
    let bytes: Buffer | undefined;
    try {
      bytes = (await from.get(sha256)) ?? (previous && previous !== from ? await previous.get(sha256) : undefined);
    } catch (err) {
      throw storeUnavailable(from, 'get', err);
    }
    if (!bytes) {
      // A row whose object is gone: lost data, not the caller's doing.
      logger.error({ sha256, store: from.name }, 'content missing from the object store');
      throw appError(Code.Internal, Reason.INTERNAL, 'this paste’s content could not be read');
    }
    return bytes;
  };
  return {
    location,
    beforeWrite: put,
    async fill(pastes, burnToo = false) {
      const wanted = pastes.filter(
        (p) => !p.contentIncluded && p.sha256 && p.sizeBytes > 0n && (burnToo || !p.burnAfterRead) && p.version > 0,
      );
      if (wanted.length === 0) return;
      const keys = [...new Set(wanted.map((p) => p.sha256))];
      const bytes = new Map(await Promise.all(keys.map(async (k) => [k, await get(k)] as const)));
      for (const p of wanted) {
        p.content = bytes.get(p.sha256)!;
        p.contentIncluded = true;
      }
    },
  };
}
