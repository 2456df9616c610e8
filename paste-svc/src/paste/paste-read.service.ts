import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { PasteVersionsSchema, Visibility, type PasteService } from '@pastemesh/gen/paste';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { callerOf } from '@pastemesh/kit/auth';
import {
  canSee,
  concealed,
  isExpired,
  pasteNotFound,
  versionNotFound,
  visibleOrThrow,
  withoutContent,
} from './paste.access.js';
import type { PasteLookup } from './paste.cache.js';
import { findPaste, findPastesByIds, listPastes, listVersions, listVersionsByIds } from './paste.repository.js';
import type { PasteServiceDeps } from './paste.deps.js';
import {
  MAX_BATCH_IDS,
  MAX_BATCH_VERSION_IDS,
  checkBatchIds,
  checkId,
  checkOwnerId,
  checkPageSize,
  checkVersion,
} from './paste.validation.js';
import { decodePageToken, encodePageToken } from './page-token.js';

type ReadHandlers = Pick<
  ServiceImpl<typeof PasteService>,
  'getPaste' | 'batchGetPastes' | 'listPasteVersions' | 'batchListPasteVersions' | 'listPastes'
>;

/**
 * The paste at `version` (0: latest) through the cache: what GetPaste and
 * RevealPaste read first. A burn-after-read paste's content is never read here.
 */
export function readThroughCache(deps: PasteServiceDeps, id: string, version: number): Promise<PasteLookup> {
  return deps.cache.read(id, version, async () => {
    // From the replica unless the paste changed since it is known complete; what it lacks is read from the primary.
    const stored = await deps.reads.paste(
      id,
      (db) => findPaste(db, id, version, 'unless-burn'),
      (s) => !s?.hasVersion,
    );
    if (!stored) return { kind: 'missing' };
    await deps.contents.fill([stored.paste]);
    return stored.hasVersion ? { kind: 'found', paste: stored.paste } : { kind: 'no-version', paste: stored.paste };
  });
}

/**
 * The read side: GetPaste (cache-aside), BatchGetPastes, ListPasteVersions,
 * BatchListPasteVersions, ListPastes. None of them changes anything, and each
 * answers a burn-after-read paste concealed (only RevealPaste reads it).
 */
export function createReadHandlers(deps: PasteServiceDeps): ReadHandlers {
  const { reads, cache, now } = deps;

  return {
    async getPaste(req, ctx: HandlerContext) {
      const id = checkId(req.id);
      const version = checkVersion(req.version);
      const found = await readThroughCache(deps, id, version);
      if (found.kind === 'missing') throw pasteNotFound(id);
      const paste = visibleOrThrow(found.paste, callerOf(ctx), now());
      if (found.kind === 'no-version') throw versionNotFound(id, version, paste.latestVersion);
      return { paste: req.withoutContent ? withoutContent(concealed(paste)) : concealed(paste) };
    },

    async batchGetPastes(req, ctx) {
      const ids = checkBatchIds(req.ids, MAX_BATCH_IDS);
      const caller = callerOf(ctx);
      const at = now();
      // Latest versions with content are GetPaste's cache entries: one multi-key lookup, SQL for the misses only.
      const found = req.withContent
        ? await cache.readLatestMany(ids, async (missing) => {
            const pastes = await reads.pastes(
              missing,
              (db, some) => findPastesByIds(db, some, true),
              (p) => p.id,
            );
            await deps.contents.fill(pastes);
            return pastes;
          })
        : await reads.pastes(
            ids,
            (db, some) => findPastesByIds(db, some, false),
            (p) => p.id,
          );
      return { pastes: found.filter((p) => canSee(p, caller) && !isExpired(p, at)).map((p) => concealed(p)) };
    },

    async listPasteVersions(req, ctx) {
      const id = checkId(req.id);
      const stored = await reads.paste(
        id,
        (db) => findPaste(db, id, 0, 'none'),
        (s) => !s,
      );
      if (!stored) throw pasteNotFound(id);
      const paste = visibleOrThrow(stored.paste, callerOf(ctx), now());
      // Complete up to the version the paste says is its latest, wherever that was read.
      const versions = await reads.paste(
        id,
        (db) => listVersions(db, id),
        (vs) => (vs[0]?.version ?? 0) < paste.latestVersion,
      );
      return { versions: versions.map((v) => concealed(v, paste.burnAfterRead)) };
    },

    async batchListPasteVersions(req, ctx) {
      const ids = checkBatchIds(req.ids, MAX_BATCH_VERSION_IDS);
      const caller = callerOf(ctx);
      const at = now();
      const found = await reads.pastes(
        ids,
        (db, some) => listVersionsByIds(db, some),
        (p) => p.paste.id,
      );
      const pastes = found
        .filter(({ paste }) => canSee(paste, caller) && !isExpired(paste, at))
        .map(({ paste, versions }) =>
          create(PasteVersionsSchema, {
            pasteId: paste.id,
            versions: versions.map((v) => concealed(v, paste.burnAfterRead)),
          }),
        );
      return { pastes };
    },

    async listPastes(req, ctx) {
      const pageSize = checkPageSize(req.pageSize);
      const ownerId = checkOwnerId(req.ownerId);
      const caller = callerOf(ctx);
      const listing = ownerId === '' ? 'public' : `owner:${ownerId}`;
      const self = ownerId !== '' && caller?.userId === ownerId;
      const filter = {
        ...(ownerId === '' ? {} : { ownerId }),
        // UNLISTED and PRIVATE pastes appear only in their owner's own listing.
        ...(self ? {} : { visibility: Visibility.PUBLIC }),
        ...(req.pageToken ? { after: decodePageToken(req.pageToken, listing)! } : {}),
        limit: pageSize + 1,
        now: now(),
      };
      const found = await reads.listing(ownerId, (db) => listPastes(db, filter));
      const pastes = found.slice(0, pageSize);
      const last = pastes[pastes.length - 1];
      const nextPageToken =
        found.length > pageSize && last?.createTime
          ? encodePageToken({ createdAt: timestampMs(last.createTime), id: last.id }, listing)
          : '';
      return { pastes: pastes.map((p) => concealed(p)), nextPageToken };
    },
  };
}
