import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { Visibility, type CreatePasteRequest, type Paste, type PasteService } from '@pastemesh/gen/paste';
import { callerOf, requireCaller, type Principal } from '@pastemesh/kit/auth';
import { Code, Reason, appError, errorDetail, invalidArgument, logFields, requestContextOf } from '@pastemesh/kit/rpc';
import { inTransaction, isDuplicateKey } from '@pastemesh/kit/storage';
import { MAX_BATCH_CREATES, MAX_BATCH_CREATE_BYTES } from '../client/index.js';
import { READ_COMMITTED } from '../database.js';
import { concealed, isOwner, pasteNotFound, visibleOrThrow } from './paste.access.js';
import {
  appendVersion,
  findPaste,
  insertPaste,
  removePastes,
  type NewPaste,
  type StoredWrite,
} from './paste.repository.js';
import { insertPastesAtOnce } from './paste-insert.repository.js';
import type { PasteServiceDeps } from './paste.deps.js';
import {
  checkContent,
  checkDeleteToken,
  checkExpiry,
  checkId,
  checkLanguage,
  checkTitle,
  checkVisibility,
  type PasteLimits,
} from './paste.validation.js';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken, sha256Hex } from './paste-id.js';

type WriteHandlers = Pick<
  ServiceImpl<typeof PasteService>,
  'createPaste' | 'createPastes' | 'updatePaste' | 'deletePaste'
>;

/** A fresh id collides with odds of about 2^-65 per paste; a handful of retries is plenty. */
const ID_ATTEMPTS = 5;
const UPDATE_ATTEMPTS = 5;

/** A create that passed every check: the paste's row (without its id), its content, the delete token to answer. */
interface CheckedCreate {
  draft: Omit<NewPaste, 'id'>;
  content: Buffer;
  deleteToken: string;
}

/** Runs every check of a create before anything is stored; INVALID_ARGUMENT naming the field otherwise. */
function checkCreate(
  req: CreatePasteRequest,
  caller: Principal | undefined,
  at: number,
  limits: PasteLimits,
): CheckedCreate {
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
  return { draft, content, deleteToken };
}

/** Runs a check of the `index`th paste of a batch: its errors name the field as `pastes[index].field`. */
function withinItem<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (err) {
    const detail = errorDetail(err);
    if (!(err instanceof ConnectError) || !detail?.field) throw err;
    const where = `pastes[${index}].`;
    throw appError(err.code, detail.reason as Reason, where + err.rawMessage, {
      field: where + detail.field,
      ...(detail.limit ? { limit: Number(detail.limit) } : {}),
    });
  }
}

/** The write side: CreatePaste, CreatePastes, UpdatePaste (new immutable versions), DeletePaste. */
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

  /**
   * Stores checked creates in one transaction (all or none) and answers each as CreatePaste does. The objects
   * first (idempotent): if the store is down the request fails with nothing written; if the transaction then
   * fails, they are orphans the sweeper removes after a grace period.
   */
  const storeNewPastes = async (creates: readonly CheckedCreate[], ctx: HandlerContext) => {
    const objects = new Map(creates.map((c) => [c.draft.sha256, c.content]));
    await Promise.all([...objects].map(([sha256, content]) => contents.beforeWrite(sha256, content)));
    for (let attempt = 1; ; attempt++) {
      const items = creates.map((c) => ({ draft: { id: deps.newId(), ...c.draft }, content: c.content }));
      try {
        // A taken id fails the INSERT (primary key): the existing paste is never overwritten. On MariaDB the
        // creates are one round trip; a tombstoned content row (and SQLite, MySQL) takes the transaction here.
        const pastes =
          (await insertPastesAtOnce(db, dialect, items, contents.location)) ??
          (await inTransaction(
            db,
            async (trx) => {
              const stored: Paste[] = [];
              for (const { draft, content } of items) {
                const write = await insertPaste(trx, dialect, draft, content, contents.location);
                stored.push((await rewriteIfRevived(write, draft.sha256, content)).result);
              }
              return stored;
            },
            READ_COMMITTED,
          ));
        await deps.reads.listingsChanged(...pastes);
        const request = requestContextOf(ctx);
        pastes.forEach((paste, i) => {
          const { draft, content } = items[i]!;
          events.created(
            { id: paste.id, language: draft.language, visibility: draft.visibility, sizeBytes: content.length },
            request,
          );
        });
        return pastes.map((paste, i) => ({ paste, deleteToken: creates[i]!.deleteToken }));
      } catch (err) {
        if (isDuplicateKey(err) && attempt < ID_ATTEMPTS) {
          deps.logger.warn({ attempt, ...logFields(requestContextOf(ctx)) }, 'paste id collision; drawing another');
          continue;
        }
        throw err;
      }
    }
  };

  return {
    async createPaste(req, ctx) {
      const [created] = await storeNewPastes([checkCreate(req, callerOf(ctx), now(), limits)], ctx);
      return created!;
    },

    async createPastes(req, ctx) {
      const count = req.pastes.length;
      if (count === 0 || count > MAX_BATCH_CREATES) {
        throw invalidArgument(
          'pastes',
          `pastes: 1 to ${MAX_BATCH_CREATES} pastes per call (got ${count})`,
          MAX_BATCH_CREATES,
        );
      }
      const bytes = req.pastes.reduce((sum, p) => sum + p.content.length, 0);
      if (bytes > MAX_BATCH_CREATE_BYTES) {
        throw invalidArgument(
          'pastes',
          `pastes: at most ${MAX_BATCH_CREATE_BYTES} content bytes in all (got ${bytes})`,
          MAX_BATCH_CREATE_BYTES,
        );
      }
      const caller = callerOf(ctx);
      const at = now();
      const checked = req.pastes.map((p, i) => withinItem(i, () => checkCreate(p, caller, at, limits)));
      return { pastes: await storeNewPastes(checked, ctx) };
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
