import type { ServiceImpl } from '@connectrpc/connect';
import type { Paste, PasteService } from '@pastemesh/gen/paste';
import { callerOf, type Principal } from '@pastemesh/kit/auth';
import { requestContextOf, type RequestContext } from '@pastemesh/kit/rpc';
import { inTransaction } from '@pastemesh/kit/storage';
import { READ_COMMITTED } from '../database.js';
import { canSee, isExpired, pasteNotFound, visibleOrThrow } from './paste.access.js';
import { findPaste, lockPaste, removePastes } from './paste.repository.js';
import type { PasteServiceDeps } from './paste.deps.js';
import { checkId } from './paste.validation.js';
import { readThroughCache } from './paste-read.service.js';

type RevealHandlers = Pick<ServiceImpl<typeof PasteService>, 'revealPaste'>;

/**
 * RevealPaste: the one read that shows a burn-after-read paste's content, and
 * burns it doing so. Any other paste is read as GetPaste reads its latest
 * version (through the cache, content included).
 */
export function createRevealHandlers(deps: PasteServiceDeps): RevealHandlers {
  const { db, dialect, cache, events, now } = deps;

  /**
   * Reads and deletes in one transaction; the conditional DELETE lets exactly
   * one of any number of concurrent revealers have the content.
   */
  async function burn(id: string, caller: Principal | undefined, cause: RequestContext | undefined): Promise<Paste> {
    const burned = await inTransaction(
      db,
      async (trx) => {
        // Locked before it is read, so what we hand out is the version we delete (not one an update replaced meanwhile).
        await lockPaste(trx, dialect, id);
        const stored = await findPaste(trx, id, 0, 'always');
        if (!stored?.hasVersion) return undefined;
        const { paste } = stored;
        if (!canSee(paste, caller) || isExpired(paste, now())) return undefined;
        // Read from the object store before anything is deleted: a store that fails now burns nothing.
        await deps.contents.fill([paste], true);
        const [removed] = await removePastes(trx, dialect, [id]);
        return removed ? { paste, removed } : undefined;
      },
      READ_COMMITTED,
    );
    if (!burned) throw pasteNotFound(id);
    await cache.invalidate(id, burned.removed.latestVersion);
    await deps.reads.listingsChanged(burned.paste);
    events.deleted(burned.removed, cause);
    return burned.paste;
  }

  return {
    async revealPaste(req, ctx) {
      const id = checkId(req.id);
      const caller = callerOf(ctx);
      // The cached read answers the usual NOT_FOUND / PASTE_EXPIRED and serves non-burn pastes.
      const found = await readThroughCache(deps, id, 0);
      if (found.kind !== 'found') throw pasteNotFound(id);
      const paste = visibleOrThrow(found.paste, caller, now());
      return { paste: paste.burnAfterRead ? await burn(id, caller, requestContextOf(ctx)) : paste };
    },
  };
}
