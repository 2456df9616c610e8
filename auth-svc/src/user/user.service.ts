import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { requireCaller } from '@pastemesh/kit/auth';
import { Code, Reason, appError, invalidArgument, logFields, requestContextOf } from '@pastemesh/kit/rpc';
import type { AuthDeps } from '../auth-deps.js';
import { findUserByEmail, findUserById, findUsersByIds, setAdmin } from './user.repository.js';
import { toAccount, toUser } from './user.mapper.js';
import { LIMITS, charCount, validEmail, validId } from './user.validation.js';

type UserRpcs = Pick<ServiceImpl<typeof AuthService>, 'getUser' | 'batchGetUsers' | 'getCurrentUser' | 'setUserRole'>;

const notFound = (id: string) => appError(Code.NotFound, Reason.USER_NOT_FOUND, `user ${id} not found`);

/** Profiles (public and own) and the admin role. */
export function createUserRpcs(deps: AuthDeps): UserRpcs {
  const { db, logger } = deps;
  return {
    async getUser(req) {
      const id = validId(req.id);
      const user = await findUserById(db, id);
      if (!user) throw notFound(id);
      return { user: toUser(user) };
    },

    async batchGetUsers(req) {
      if (req.ids.length > LIMITS.batchGetMax) {
        throw invalidArgument('ids', `ids: at most ${LIMITS.batchGetMax} (got ${req.ids.length})`, LIMITS.batchGetMax);
      }
      const tooLong = req.ids.findIndex((id) => charCount(id) > LIMITS.idMax);
      if (tooLong >= 0) {
        const length = charCount(req.ids[tooLong]!);
        throw invalidArgument(
          'ids',
          `ids: each at most ${LIMITS.idMax} characters (ids[${tooLong}] has ${length})`,
          LIMITS.idMax,
        );
      }
      // Empty ids name nobody, like unknown ones: left out.
      const ids = [...new Set(req.ids.filter((id) => id.length > 0))];
      return { users: (await findUsersByIds(db, ids)).map(toUser) };
    },

    async getCurrentUser(_req, ctx) {
      const caller = requireCaller(ctx);
      const user = await findUserById(db, caller.userId);
      if (!user) throw notFound(caller.userId);
      return { account: toAccount(user) };
    },

    async setUserRole(req, ctx) {
      const caller = requireCaller(ctx);
      // The token's claim is up to 15 minutes old; the database says whether the caller is still an admin.
      const self = caller.isAdmin ? await findUserById(db, caller.userId) : undefined;
      if (!self?.isAdmin)
        throw appError(Code.PermissionDenied, Reason.ADMIN_REQUIRED, 'setting roles needs the admin role');
      let target: Awaited<ReturnType<typeof findUserById>>;
      if (req.userId) target = await findUserById(db, validId(req.userId, 'user_id'));
      else if (req.email) target = await findUserByEmail(db, validEmail(req.email));
      else throw invalidArgument('user_id', 'user_id or email: one is required');
      if (!target) throw notFound(req.userId || req.email);
      await setAdmin(db, target.id, req.admin, deps.now());
      logger.info(
        { by: caller.userId, userId: target.id, admin: req.admin, ...logFields(requestContextOf(ctx)) },
        'role changed',
      );
      return { account: toAccount({ ...target, isAdmin: req.admin }) };
    },
  };
}
