import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { Visibility, type PasteService } from '@pastemesh/gen/paste';
import { callerOf, invalidArgument, type Principal } from '@pastemesh/kit';
import { inTransaction } from '../database.js';
import { canSee, isExpired, pasteNotFound, versionNotFound, visibleOrThrow, withoutContent } from './paste.access.js';
import type { PasteLookup } from './paste.cache.js';
import { toPasteVersion, toStoredPaste } from './paste.mapper.js';
import { findPaste, findPastesByIds, listPastes, listVersions, removePastes } from './paste.repository.js';
import type { PasteServiceDeps } from './paste.service.js';
import { checkBatchIds, checkId, checkPageSize, checkVersion } from './paste.validation.js';
import { decodePageToken, encodePageToken } from './page-token.js';

type ReadHandlers = Pick<ServiceImpl<typeof PasteService>, 'getPaste' | 'batchGetPastes' | 'listPasteVersions' | 'listPastes'>;

const MAX_OWNER_ID_LENGTH = 64;

/** The read side: GetPaste (cache-aside, burn-after-read), BatchGetPastes, ListPasteVersions, ListPastes. */
export function createReadHandlers(deps: PasteServiceDeps): ReadHandlers {
  const { db, cache, now } = deps;

  async function load(id: string, version: number): Promise<PasteLookup> {
    const record = await findPaste(db, id, version, true);
    if (!record) return { kind: 'missing' };
    const { paste } = toStoredPaste(record);
    return record.version === null ? { kind: 'no-version', paste } : { kind: 'found', paste };
  }

  /**
   * Reads and deletes in one transaction; the conditional DELETE lets exactly
   * one of any number of concurrent readers have the content.
   */
  async function burn(id: string, version: number, caller: Principal | undefined) {
    const burned = await inTransaction(db, async (trx) => {
      const record = await findPaste(trx, id, version, true);
      if (!record || record.version === null) return undefined;
      const { paste } = toStoredPaste(record);
      if (!canSee(paste, caller) || isExpired(paste, now())) return undefined;
      const [removed] = await removePastes(trx, [id]);
      return removed ? { paste, removed } : undefined;
    });
    if (!burned) throw pasteNotFound(id);
    await cache.invalidate(id, burned.removed.latest_version);
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
      const records = await findPastesByIds(db, ids, req.withContent);
      const pastes = records
        .map((r) => toStoredPaste(r).paste)
        .filter((p) => canSee(p, caller) && !isExpired(p, at));
      return { pastes };
    },

    async listPasteVersions(req, ctx) {
      const id = checkId(req.id);
      const record = await findPaste(db, id, 0, false);
      if (!record) throw pasteNotFound(id);
      visibleOrThrow(toStoredPaste(record).paste, callerOf(ctx), now());
      const versions = await listVersions(db, id);
      return { versions: versions.map(toPasteVersion) };
    },

    async listPastes(req, ctx) {
      const pageSize = checkPageSize(req.pageSize);
      const ownerId = req.ownerId;
      if (ownerId.length > MAX_OWNER_ID_LENGTH) {
        throw invalidArgument('owner_id', `owner_id: at most ${MAX_OWNER_ID_LENGTH} characters`, MAX_OWNER_ID_LENGTH);
      }
      const caller = callerOf(ctx);
      const listing = ownerId === '' ? 'public' : `owner:${ownerId}`;
      const self = ownerId !== '' && caller?.userId === ownerId;
      const rows = await listPastes(db, {
        ...(ownerId === '' ? {} : { ownerId }),
        // UNLISTED and PRIVATE pastes appear only in their owner's own listing.
        ...(self ? {} : { visibility: Visibility.PUBLIC }),
        ...(req.pageToken ? { after: decodePageToken(req.pageToken, listing)! } : {}),
        limit: pageSize + 1,
        now: now(),
      });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      const nextPageToken = rows.length > pageSize && last ? encodePageToken({ createdAt: last.created_at, id: last.id }, listing) : '';
      return { pastes: page.map((r) => toStoredPaste(r).paste), nextPageToken };
    },
  };
}
