import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { TokenPairSchema } from '@pastemesh/gen/auth';
import { type Logger } from '@pastemesh/kit/observability';
import { Code, Reason, appError, invalidArgument } from '@pastemesh/kit/rpc';
import { inTransaction } from '@pastemesh/kit/storage';
import type { AuthDb } from '../database.js';
import type { AccessTokenIssuer } from '../token/access-token.js';
import { randomRefreshToken, sha256Hex } from '../token/secrets.js';
import { findUserById } from '../user/user.repository.js';
import { roleNames, type User } from '../user/user.js';
import type { NewRefreshToken, StoredRefreshToken } from './refresh-token.js';
import {
  deleteEmptyFamilies,
  deleteExpiredRefreshTokens,
  findRefreshToken,
  insertFamily,
  insertRefreshToken,
  revokeFamily,
  revokeUserFamilies,
  spendRefreshToken,
} from './refresh-token.repository.js';

export type TokenPairInit = MessageInitShape<typeof TokenPairSchema>;

/** Sign-in sessions: token pairs backed by rotating, single-use refresh tokens. */
export interface Sessions {
  /** Starts a new session (a new refresh family) for `user`. */
  start(user: User): Promise<TokenPairInit>;
  /** Spends a refresh token and returns the next pair; a second use of a spent token ends the session. */
  rotate(refreshToken: string): Promise<TokenPairInit>;
  /** Ends the session a refresh token belongs to. */
  end(refreshToken: string): Promise<void>;
  /** Ends every session of a user. */
  endAll(userId: string): Promise<void>;
  /** Deletes refresh tokens that expired more than a day ago, then the sessions left without tokens. */
  sweep(): Promise<{ tokens: number; families: number }>;
}

export interface SessionsOptions {
  db: AuthDb;
  accessTokens: AccessTokenIssuer;
  refreshTtlSeconds: number;
  logger: Logger;
  now: () => number;
  onReuse?: () => void;
  /** Rows the sweep deletes per statement (default 500), so it never holds long locks. */
  sweepBatchSize?: number;
}

const invalid = (why: string) =>
  appError(Code.Unauthenticated, Reason.TOKEN_INVALID, `refresh_token: ${why}`, { field: 'refresh_token' });

/** Builds the session logic over the repository functions. */
export function createSessions(options: SessionsOptions): Sessions {
  const { db, accessTokens, logger, now } = options;
  const ttlMs = options.refreshTtlSeconds * 1000;
  const batch = options.sweepBatchSize ?? 500;

  function newRefreshToken(familyId: string): { value: string; token: NewRefreshToken } {
    const value = randomRefreshToken();
    const createdAtMs = now();
    return {
      value,
      token: { id: randomUUID(), familyId, tokenHash: sha256Hex(value), createdAtMs, expiresAtMs: createdAtMs + ttlMs },
    };
  }

  // Called once the refresh token is stored: mints the access token with the user's current roles.
  async function pair(user: User, refresh: { value: string; token: NewRefreshToken }): Promise<TokenPairInit> {
    const access = await accessTokens.issue(user.id, roleNames(user));
    return {
      accessToken: access.token,
      accessTokenExpireTime: timestampFromMs(access.expiresAtMs),
      refreshToken: refresh.value,
      refreshTokenExpireTime: timestampFromMs(refresh.token.expiresAtMs),
    };
  }

  async function reused(token: StoredRefreshToken): Promise<never> {
    await revokeFamily(db, token.familyId, now());
    options.onReuse?.();
    logger.warn({ familyId: token.familyId, userId: token.userId }, 'spent refresh token reused: session revoked');
    throw appError(
      Code.Unauthenticated,
      Reason.TOKEN_REUSED,
      'refresh_token: already used; the session has been ended, sign in again',
      {
        field: 'refresh_token',
      },
    );
  }

  async function lookup(refreshToken: string): Promise<StoredRefreshToken> {
    if (!refreshToken) throw invalidArgument('refresh_token', 'refresh_token: required');
    const token = await findRefreshToken(db, sha256Hex(refreshToken));
    if (!token) throw invalid('unknown token');
    return token;
  }

  // Deletes in batches until a batch comes back short.
  async function drain(step: () => Promise<number>): Promise<number> {
    for (let total = 0; ; ) {
      const n = await step();
      total += n;
      if (n < batch) return total;
    }
  }

  return {
    async start(user) {
      const refresh = newRefreshToken(randomUUID());
      await inTransaction(db, async (trx) => {
        await insertFamily(trx, {
          id: refresh.token.familyId,
          userId: user.id,
          createdAtMs: refresh.token.createdAtMs,
        });
        await insertRefreshToken(trx, refresh.token);
      });
      return pair(user, refresh);
    },

    async rotate(refreshToken) {
      const token = await lookup(refreshToken);
      // Fast paths; the spend below checks spent and revoked again, atomically.
      if (token.familyRevoked) throw invalid('the session has been ended');
      if (token.spentAtMs !== null) return reused(token);
      if (token.expiresAtMs <= now()) throw invalid('expired');
      const user = await findUserById(db, token.userId);
      if (!user) throw invalid('unknown user');
      const next = newRefreshToken(token.familyId);
      const spent = await inTransaction(db, async (trx) => {
        if (!(await spendRefreshToken(trx, token.id, next.token.createdAtMs))) return false;
        await insertRefreshToken(trx, next.token);
        return true;
      });
      if (spent) return pair(user, next);
      // Lost to a Logout/ChangePassword committed since the lookup, or to a concurrent use (reuse).
      const latest = await findRefreshToken(db, sha256Hex(refreshToken));
      if (!latest || latest.familyRevoked) throw invalid('the session has been ended');
      return reused(token);
    },

    async end(refreshToken) {
      const token = await lookup(refreshToken);
      await revokeFamily(db, token.familyId, now());
    },

    async endAll(userId) {
      await revokeUserFamilies(db, userId, now());
    },

    async sweep() {
      const before = now() - 24 * 3600_000;
      const tokens = await drain(() => deleteExpiredRefreshTokens(db, before, batch));
      const families = await drain(() => deleteEmptyFamilies(db, batch));
      return { tokens, families };
    },
  };
}
