import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { Visibility, type PasteService } from '@pastemesh/gen/paste';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { callerOf, inTransaction, type Principal } from '@pastemesh/kit';
import { READ_COMMITTED } from '../database.js';
import { canSee, isExpired, pasteNotFound, versionNotFound, visibleOrThrow, withoutContent } from './paste.access.js';
import type { PasteLookup } from './paste.cache.js';
import { findPaste, findPastesByIds, listPastes, listVersions, removePastes } from './paste.repository.js';
import type { PasteServiceDeps } from './paste.service.js';
import { checkBatchIds, checkId, checkOwnerId, checkPageSize, checkVersion } from './paste.validation.js';
import { decodePageToken, encodePageToken } from './page-token.js';

type ReadHandlers = Pick<ServiceImpl<typeof PasteService>, 'getPaste' | 'batchGetPastes' | 'listPasteVersions' | 'listPastes'>;

/** The read side: GetPaste (cache-aside, burn-after-read), BatchGetPastes, ListPasteVersions, ListPastes. */
export function createReadHandlers(deps: PasteServiceDeps): ReadHandlers {
  const { db, dialect, cache, now } = deps;

  async function load(id: string, version: number): Promise<PasteLookup> {
    const stored = await findPaste(db, id, version, true);
    if (!stored) return { kind: 'missing' };
    return stored.hasVersion ? { kind: 'found', paste: stored.paste } : { kind: 'no-version', paste: stored.paste };
  }

  /**
   * Reads and deletes in one transaction; the conditional DELETE lets exactly
   * one of any number of concurrent readers have the content.
   */
  async function burn(id: string, version: number, caller: Principal | undefined) {
    const burned = await inTransaction(
      db,
      async (trx) => {
        const stored = await findPaste(trx, id, version, true);
        if (!stored?.hasVersion) return undefined;
        const { paste } = stored;
        if (!canSee(paste, caller) || isExpired(paste, now())) return undefined;
        const [removed] = await removePastes(trx, dialect, [id]);
        return removed ? { paste, removed } : undefined;
      },
      READ_COMMITTED,
    );
    if (!burned) throw pasteNotFound(id);
    await cache.invalidate(id, burned.removed.latestVersion);
    deps.events.deleted(burned.removed);
    return burned.paste;
  }

  return {
    async getPaste(req, ctx: HandlerContext) {
      const id = checkId(req.id);
      const version = checkVersion(req.version);
      const caller = callerOf(ctx);
      const found = await cache.read(id, version, () => load(id, version));
      if (found.kind === 'missing') throw pasteNotFound(id);
      const paste = visibleOrThrow(found.paste, caller, now());
      if (found.kind === 'no-version') throw versionNotFound(id, version, paste.latestVersion);
      if (req.withoutContent) return { paste: withoutContent(paste) };
      if (paste.burnAfterRead) return { paste: await burn(id, version, caller) };
      return { paste };
    },

    async batchGetPastes(req, ctx) {
      const ids = checkBatchIds(req.ids);
      const caller = callerOf(ctx);
      const at = now();
      // Latest versions with content are GetPaste's cache entries: one multi-key lookup, SQL for the misses only.
      const found = req.withContent
        ? await cache.readLatestMany(ids, (missing) => findPastesByIds(db, missing, true))
        : await findPastesByIds(db, ids, false);
      return { pastes: found.filter((p) => canSee(p, caller) && !isExpired(p, at)) };
    },

    async listPasteVersions(req, ctx) {
      const id = checkId(req.id);
      const stored = await findPaste(db, id, 0, false);
      if (!stored) throw pasteNotFound(id);
      visibleOrThrow(stored.paste, callerOf(ctx), now());
      return { versions: await listVersions(db, id) };
    },

    async listPastes(req, ctx) {
      const pageSize = checkPageSize(req.pageSize);
      const ownerId = checkOwnerId(req.ownerId);
      const caller = callerOf(ctx);
      const listing = ownerId === '' ? 'public' : `owner:${ownerId}`;
      const self = ownerId !== '' && caller?.userId === ownerId;
      const found = await listPastes(db, {
        ...(ownerId === '' ? {} : { ownerId }),
        // UNLISTED and PRIVATE pastes appear only in their owner's own listing.
        ...(self ? {} : { visibility: Visibility.PUBLIC }),
        ...(req.pageToken ? { after: decodePageToken(req.pageToken, listing)! } : {}),
        limit: pageSize + 1,
        now: now(),
      });
      const pastes = found.slice(0, pageSize);
      const last = pastes[pastes.length - 1];
      const nextPageToken =
        found.length > pageSize && last?.createTime ? encodePageToken({ createdAt: timestampMs(last.createTime), id: last.id }, listing) : '';
      return { pastes, nextPageToken };
    },
  };
}
