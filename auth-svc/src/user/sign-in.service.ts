import { randomUUID } from 'node:crypto';
import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { Code, Reason, appError, requireCaller } from '@pastemesh/kit';
import type { AuthDeps } from '../auth-deps.js';
import { isUniqueViolation } from '../database.js';
import { clientIpOf } from '../client-ip.js';
import { findUserByEmail, findUserById, insertUser, setAdmin, updatePasswordHash } from './user.repository.js';
import { toAccount } from './user.mapper.js';
import type { UserRow } from './user.table.js';
import { LIMITS, presentedPassword, validEmail, validLabel, validNewPassword } from './user.validation.js';

type SignInRpcs = Pick<ServiceImpl<typeof AuthService>, 'register' | 'login' | 'changePassword'>;

const emailTaken = () => appError(Code.AlreadyExists, Reason.EMAIL_TAKEN, 'email: an account with this email already exists', { field: 'email' });
// One message for "no such email" and "wrong password", so sign-in reveals nothing about accounts.
const badCredentials = () => appError(Code.Unauthenticated, Reason.INVALID_CREDENTIALS, 'email or password is incorrect');

/** Register, Login and ChangePassword: everything that handles a password. */
export function createSignInRpcs(deps: AuthDeps): SignInRpcs {
  const { db, hasher, limiter, sessions, config, events, logger } = deps;
  const isConfiguredAdmin = (email: string) => config.ADMIN_EMAILS.includes(email);

  return {
    async register(req, ctx) {
      const email = validEmail(req.email);
      validNewPassword(req.password);
      const displayName = validLabel(req.displayName, 'display_name', LIMITS.displayNameMax);
      await limiter.consumeRegistration(clientIpOf(req.clientIp, ctx));
      // Checked first to spare the hash; the unique index still decides races.
      if (await findUserByEmail(db, email)) throw emailTaken();
      const now = deps.now();
      const row: UserRow = {
        id: randomUUID(),
        email,
        display_name: displayName,
        password_hash: await hasher.hash(req.password),
        is_admin: isConfiguredAdmin(email) ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      try {
        await insertUser(db, row);
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken();
        throw err;
      }
      events.inc({ event: 'register' });
      return { account: toAccount(row), tokens: await sessions.start(row) };
    },

    async login(req, ctx) {
      const email = validEmail(req.email);
      presentedPassword(req.password);
      const ip = clientIpOf(req.clientIp, ctx);
      try {
        await limiter.check(email, ip);
      } catch (err) {
        events.inc({ event: 'login_blocked' });
        throw err;
      }
      let user = await findUserByEmail(db, email);
      // An unknown email still costs one argon2 verification, so timing does not tell them apart.
      const ok = user ? await hasher.verify(user.password_hash, req.password) : (await hasher.verifyDummy(req.password), false);
      if (!user || !ok) {
        await limiter.recordFailure(email, ip);
        events.inc({ event: 'login_failed' });
        throw badCredentials();
      }
      await limiter.recordSuccess(email, ip);
      const now = deps.now();
      if (hasher.needsRehash(user.password_hash)) {
        const rehashed = await hasher.hash(req.password);
        await updatePasswordHash(db, user.id, rehashed, now);
        user = { ...user, password_hash: rehashed };
      }
      if (isConfiguredAdmin(email) && !user.is_admin) {
        await setAdmin(db, user.id, true, now);
        user = { ...user, is_admin: 1 };
        logger.info({ userId: user.id }, 'admin granted by ADMIN_EMAILS');
      }
      events.inc({ event: 'login' });
      return { account: toAccount(user), tokens: await sessions.start(user) };
    },

    async changePassword(req, ctx) {
      const caller = requireCaller(ctx);
      presentedPassword(req.currentPassword, 'current_password');
      validNewPassword(req.newPassword, 'new_password');
      const user = await findUserById(db, caller.userId);
      if (!user) throw appError(Code.NotFound, Reason.USER_NOT_FOUND, `user ${caller.userId} not found`);
      // A stolen access token must not become a way to guess the password: same limits as Login.
      const ip = clientIpOf('', ctx);
      await limiter.check(user.email, ip);
      if (!(await hasher.verify(user.password_hash, req.currentPassword))) {
        await limiter.recordFailure(user.email, ip);
        throw appError(Code.PermissionDenied, Reason.INVALID_CREDENTIALS, 'current_password: incorrect', { field: 'current_password' });
      }
      await limiter.recordSuccess(user.email, ip);
      await updatePasswordHash(db, user.id, await hasher.hash(req.newPassword), deps.now());
      await sessions.endAll(user.id);
      events.inc({ event: 'password_changed' });
      return {};
    },
  };
}
