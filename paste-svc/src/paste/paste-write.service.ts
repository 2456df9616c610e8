import type { ServiceImpl } from '@connectrpc/connect';
import { Visibility, type PasteService } from '@pastemesh/gen/paste';
import { callerOf, requireCaller } from '@pastemesh/kit/auth';
import { Code, Reason, appError, invalidArgument, logFields, requestContextOf } from '@pastemesh/kit/rpc';
import { inTransaction, isDuplicateKey } from '@pastemesh/kit/storage';
import { READ_COMMITTED } from '../database.js';
import { concealed, isOwner, pasteNotFound, visibleOrThrow } from './paste.access.js';
import { appendVersion, findPaste, insertPaste, removePastes, type StoredWrite } from './paste.repository.js';
import { insertPasteAtOnce } from './paste-insert.repository.js';
import type { PasteServiceDeps } from './paste.deps.js';
import {
  checkContent,
  checkDeleteToken,
  checkExpiry,
  checkId,
  checkLanguage,
  checkTitle,
  checkVisibility,
} from './paste.validation.js';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken, sha256Hex } from './paste-id.js';

type WriteHandlers = Pick<ServiceImpl<typeof PasteService>, 'createPaste' | 'updatePaste' | 'deletePaste'>;

/** A fresh id collides with odds of about 2^-65 per paste; a handful of retries is plenty. */
const ID_ATTEMPTS = 5;
const UPDATE_ATTEMPTS = 5;

/** The write side: CreatePaste, UpdatePaste (new immutable versions), DeletePaste. */
export function createWriteHandlers(deps: PasteServiceDeps): WriteHandlers {
  const { db, dialect, cache, events, limits, now, contents } = deps;
  /**
   * A write that found its content's row a tombstone (the sweeper deleted or is deleting the object) writes the
   * object again before it commits, still holding the row's lock: a store that fails now rolls the write back,
   * and no committed paste ever points at a missing object.
   */
  const rewriteIfRevived = async <T>(stored: StoredWrite<T>, sha256: string, content: Buffer) => {
    if (stored.revived) await contents.beforeWrite(sha256, content);
    return stored;
  };

  return {
    async createPaste(req, ctx) {
      const caller = callerOf(ctx);
      // Every check runs before anything is stored.
      const title = checkTitle(req.title);
      const content = checkContent(req.content, limits.maxContentBytes);
      const language = checkLanguage(req.language);
      const visibility = checkVisibility(req.visibility, Visibility.PUBLIC);
      const lifetime = checkExpiry(req.expiry, limits);
      if (visibility === Visibility.PRIVATE && !caller) {
        throw invalidArgument(
          'visibility',
          'visibility: PRIVATE needs a signed-in caller (an anonymous paste has no owner to show it to)',
        );
      }
      const at = now();
      const deleteToken = caller ? '' : newDeleteToken();
      const draft = {
        ownerId: caller?.userId ?? null,
        visibility,
        burnAfterRead: req.burnAfterRead,
        title,
        language,
        sha256: sha256Hex(content),
        deleteTokenHash: deleteToken ? hashDeleteToken(deleteToken) : null,
        createdAt: at,
        expiresAt: lifetime === undefined ? null : at + lifetime,
      };
      // The object first (idempotent): if the store is down the request fails with nothing written; if the
      // transaction then fails, the object is an orphan the sweeper removes after a grace period.
      await contents.beforeWrite(draft.sha256, content);
      for (let attempt = 1; ; attempt++) {
        const id = deps.newId();
        try {
          // A taken id fails the INSERT (primary key): the existing paste is never overwritten. On MariaDB the
          // create is one round trip; a tombstoned content row (and SQLite, MySQL) takes the transaction here.
          const paste =
            (await insertPasteAtOnce(db, dialect, { id, ...draft }, content, contents.location)) ??
            (
              await inTransaction(
                db,
                async (trx) =>
                  rewriteIfRevived(
                    await insertPaste(trx, dialect, { id, ...draft }, content, contents.location),
                    draft.sha256,
                    content,
                  ),
                READ_COMMITTED,
              )
            ).result;
          await deps.reads.listingsChanged(paste);
          events.created({ id, language, visibility, sizeBytes: content.length }, requestContextOf(ctx));
          return { paste, deleteToken };
        } catch (err) {
          if (isDuplicateKey(err) && attempt < ID_ATTEMPTS) {
            deps.logger.warn({ attempt, ...logFields(requestContextOf(ctx)) }, 'paste id collision; drawing another');
            continue;
          }
          throw err;
        }
      }
    },

    async updatePaste(req, ctx) {
      const caller = requireCaller(ctx);
      const id = checkId(req.id);
      const content = checkContent(req.content, limits.maxContentBytes);
      const title = req.title === undefined ? undefined : checkTitle(req.title);
      const language = req.language === undefined ? undefined : checkLanguage(req.language);
      const visibility = checkVisibility(req.visibility, Visibility.UNSPECIFIED);
      const sha256 = sha256Hex(content);
      for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
        const current = await findPaste(db, id, 0, 'none');
        if (!current) throw pasteNotFound(id);
        const paste = visibleOrThrow(current.paste, caller, now());
        if (!isOwner(paste, caller))
          throw appError(Code.PermissionDenied, Reason.NOT_OWNER, `only the owner may update paste ${id}`, {
            field: 'id',
          });
        const change = {
          title: title ?? paste.title,
          language: language ?? paste.language,
          visibility: visibility === Visibility.UNSPECIFIED ? paste.visibility : visibility,
          content,
          sha256,
          createdAt: now(),
        };
        if (attempt === 1) await contents.beforeWrite(sha256, content);
        // Conditional on the version we read: a concurrent update makes this undefined and we read again.
        const stored = await inTransaction(
          db,
          async (trx) => {
            const appended = await appendVersion(trx, dialect, paste, change, contents.location);
            return appended && (await rewriteIfRevived(appended, sha256, content));
          },
          READ_COMMITTED,
        );
        if (!stored) continue;
        const updated = stored.result;
        await cache.invalidate(id, updated.latestVersion);
        await deps.reads.listingsChanged(paste, updated);
        events.updated(
          { id, language: change.language, visibility: change.visibility, sizeBytes: content.length },
          requestContextOf(ctx),
        );
        // Its author knows the content, but only CreatePaste and RevealPaste show a burn-after-read paste's.
        return { paste: concealed(updated) };
      }
      throw appError(
        Code.Aborted,
        Reason.PASTE_UPDATE_CONFLICT,
        `paste ${id} is being updated concurrently; try again`,
        { field: 'id' },
      );
    },

    async deletePaste(req, ctx) {
      const id = checkId(req.id);
      const caller = callerOf(ctx);
      const token = checkDeleteToken(req.deleteToken);
      const stored = await findPaste(db, id, 0, 'none');
      if (!stored) throw pasteNotFound(id);
      const admin = caller?.isAdmin === true;
      if (!admin) visibleOrThrow(stored.paste, caller, now());
      const allowed =
        admin || isOwner(stored.paste, caller) || (token !== '' && deleteTokenMatches(token, stored.deleteTokenHash));
      if (!allowed) {
        if (token !== '')
          throw appError(Code.PermissionDenied, Reason.NOT_OWNER, 'delete_token: does not match this paste', {
            field: 'delete_token',
          });
        if (!caller)
          throw appError(
            Code.Unauthenticated,
            Reason.UNAUTHENTICATED,
            'delete_token: required unless you sign in as the owner',
            { field: 'delete_token' },
          );
        throw appError(Code.PermissionDenied, Reason.NOT_OWNER, `only the owner or an admin may delete paste ${id}`, {
          field: 'id',
        });
      }
      // The removed paste is read under its row lock: a concurrent update's version is invalidated too.
      const [removed] = await inTransaction(db, (trx) => removePastes(trx, dialect, [id]), READ_COMMITTED);
      if (!removed) throw pasteNotFound(id);
      await cache.invalidate(id, removed.latestVersion);
      await deps.reads.listingsChanged(stored.paste, { ownerId: stored.paste.ownerId, visibility: removed.visibility });
      events.deleted(removed, requestContextOf(ctx));
      return {};
    },
  };
}
