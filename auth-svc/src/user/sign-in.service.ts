import { randomUUID } from 'node:crypto';
import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { requireCaller } from '@pastemesh/kit/auth';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import { isDuplicateKey } from '@pastemesh/kit/storage';
import type { AuthDeps } from '../auth-deps.js';
import { clientIpOf } from '../client-ip.js';
import { findUserByEmail, findUserById, insertUser, updatePasswordHash } from './user.repository.js';
import { toAccount } from './user.mapper.js';
import type { User } from './user.js';
import { LIMITS, presentedPassword, validEmail, validLabel, validNewPassword } from './user.validation.js';

type SignInRpcs = Pick<ServiceImpl<typeof AuthService>, 'register' | 'login' | 'changePassword'>;

// Tells the address's owner what to do without saying that an account exists: InvalidArgument, not
// AlreadyExists. The reason stays EMAIL_TAKEN for clients that branch on it. A refusal still tells a prober the
// address cannot be registered; only emailed verification would hide that (registration is limited per IP).
const emailTaken = () =>
  appError(
    Code.InvalidArgument,
    Reason.EMAIL_TAKEN,
    'email: this address cannot be used to register; if you already have an account, sign in (or use another address)',
    {
      field: 'email',
    },
  );
// One message for "no such email" and "wrong password", so sign-in reveals nothing about accounts.
const badCredentials = () =>
  appError(Code.Unauthenticated, Reason.INVALID_CREDENTIALS, 'email or password is incorrect');

/**
 * Register, Login and ChangePassword: everything that handles a password.
 * Registration never grants admin (emails are not verified); ADMIN_EMAILS is
 * applied to existing accounts at start-up only (see admin-emails.ts).
 */
export function createSignInRpcs(deps: AuthDeps): SignInRpcs {
  const { db, hasher, limiter, sessions, events } = deps;

  // Takes a sign-in attempt before the password is checked, so parallel guesses are counted too.
  async function attempt(email: string, ip: string) {
    try {
      await limiter.consumeAttempt(email, ip);
    } catch (err) {
      events.inc({ event: 'login_blocked' });
      throw err;
    }
  }

  return {
    async register(req, ctx) {
      const email = validEmail(req.email);
      validNewPassword(req.password);
      const displayName = validLabel(req.displayName, 'display_name', LIMITS.displayNameMax);
      await limiter.consumeRegistration(clientIpOf(req.clientIp, ctx));
      // Hashed before the address is looked up, so a taken address costs the same argon2 work as a new one
      // and timing does not tell them apart. The lookup is the common case; the unique index decides races.
      const passwordHash = await hasher.hash(req.password);
      if (await findUserByEmail(db, email)) throw emailTaken();
      const now = deps.now();
      const user: User = {
        id: randomUUID(),
        email,
        displayName,
        passwordHash,
        isAdmin: false,
        createdAtMs: now,
        updatedAtMs: now,
      };
      try {
        await insertUser(db, user);
      } catch (err) {
        if (isDuplicateKey(err)) throw emailTaken();
        throw err;
      }
      events.inc({ event: 'register' });
      return { account: toAccount(user), tokens: await sessions.start(user) };
    },

    async login(req, ctx) {
      const email = validEmail(req.email);
      presentedPassword(req.password);
      const ip = clientIpOf(req.clientIp, ctx);
      await attempt(email, ip);
      let user = await findUserByEmail(db, email);
      // An unknown email still costs one argon2 verification, so timing does not tell them apart.
      const ok = user
        ? await hasher.verify(user.passwordHash, req.password)
        : (await hasher.verifyDummy(req.password), false);
      if (!user || !ok) {
        events.inc({ event: 'login_failed' });
        throw badCredentials();
      }
      await limiter.recordSuccess(email, ip);
      if (hasher.needsRehash(user.passwordHash)) {
        const rehashed = await hasher.hash(req.password);
        await updatePasswordHash(db, user.id, rehashed, deps.now());
        user = { ...user, passwordHash: rehashed };
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
      await attempt(user.email, ip);
      if (!(await hasher.verify(user.passwordHash, req.currentPassword))) {
        throw appError(Code.PermissionDenied, Reason.INVALID_CREDENTIALS, 'current_password: incorrect', {
          field: 'current_password',
        });
      }
      await limiter.recordSuccess(user.email, ip);
      await updatePasswordHash(db, user.id, await hasher.hash(req.newPassword), deps.now());
      await sessions.endAll(user.id);
      events.inc({ event: 'password_changed' });
      return {};
    },
  };
}
