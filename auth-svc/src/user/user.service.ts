import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { Code, Reason, appError, invalidArgument, requireCaller } from '@pastemesh/kit';
import type { AuthDeps } from '../auth-deps.js';
import { findUserByEmail, findUserById, findUsersByIds, setAdmin } from './user.repository.js';
import { toAccount, toUser } from './user.mapper.js';
import { LIMITS, validEmail } from './user.validation.js';

type UserRpcs = Pick<ServiceImpl<typeof AuthService>, 'getUser' | 'batchGetUsers' | 'getCurrentUser' | 'setUserRole'>;

const notFound = (id: string) => appError(Code.NotFound, Reason.USER_NOT_FOUND, `user ${id} not found`);

/** Profiles (public and own) and the admin role. */
export function createUserRpcs(deps: AuthDeps): UserRpcs {
  const { db, logger } = deps;
  return {
    async getUser(req) {
      if (!req.id) throw invalidArgument('id', 'id: required');
      const row = await findUserById(db, req.id);
      if (!row) throw notFound(req.id);
      return { user: toUser(row) };
    },

    async batchGetUsers(req) {
      if (req.ids.length > LIMITS.batchGetMax) {
        throw invalidArgument('ids', `ids: at most ${LIMITS.batchGetMax} (got ${req.ids.length})`, LIMITS.batchGetMax);
      }
      const ids = [...new Set(req.ids.filter((id) => id.length > 0 && id.length <= 64))];
      const rows = await findUsersByIds(db, ids);
      return { users: rows.map(toUser) };
    },

    async getCurrentUser(_req, ctx) {
      const caller = requireCaller(ctx);
      const row = await findUserById(db, caller.userId);
      if (!row) throw notFound(caller.userId);
      return { account: toAccount(row) };
    },

    async setUserRole(req, ctx) {
      const caller = requireCaller(ctx);
      // The token's claim is up to 15 minutes old; the database says whether the caller is still an admin.
      const self = caller.isAdmin ? await findUserById(db, caller.userId) : undefined;
      if (!self?.is_admin) throw appError(Code.PermissionDenied, Reason.ADMIN_REQUIRED, 'setting roles needs the admin role');
      let target;
      if (req.userId) target = await findUserById(db, req.userId);
      else if (req.email) target = await findUserByEmail(db, validEmail(req.email));
      else throw invalidArgument('user_id', 'user_id or email: one is required');
      if (!target) throw notFound(req.userId || req.email);
      await setAdmin(db, target.id, req.admin, deps.now());
      logger.info({ by: caller.userId, userId: target.id, admin: req.admin }, 'role changed');
      return { account: toAccount({ ...target, is_admin: req.admin ? 1 : 0 }) };
    },
  };
}
