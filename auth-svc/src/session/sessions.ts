import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { TokenPairSchema } from '@pastemesh/gen/auth';
import { Code, Reason, appError, invalidArgument, type Logger } from '@pastemesh/kit';
import type { AuthDb } from '../database.js';
import type { AccessTokenIssuer } from '../token/access-token.js';
import { randomRefreshToken, sha256Hex } from '../token/secrets.js';
import { findUserById } from '../user/user.repository.js';
import { roleNames } from '../user/user.mapper.js';
import type { UserRow } from '../user/user.table.js';
import {
  deleteExpiredRefreshTokens,
  findRefreshToken,
  insertFamily,
  insertRefreshToken,
  revokeFamily,
  revokeUserFamilies,
  spendRefreshToken,
} from './refresh-token.repository.js';
import type { RefreshTokenRow } from './refresh-token.table.js';

export type TokenPairInit = MessageInitShape<typeof TokenPairSchema>;

/** Sign-in sessions: token pairs backed by rotating, single-use refresh tokens. */
export interface Sessions {
  /** Starts a new session (a new refresh family) for `user`. */
  start(user: UserRow): Promise<TokenPairInit>;
  /** Spends a refresh token and returns the next pair; a second use of a spent token ends the session. */
  rotate(refreshToken: string): Promise<TokenPairInit>;
  /** Ends the session a refresh token belongs to. */
  end(refreshToken: string): Promise<void>;
  /** Ends every session of a user. */
  endAll(userId: string): Promise<void>;
  /** Deletes refresh tokens that expired more than a day ago. */
  sweep(): Promise<number>;
}

export interface SessionsOptions {
  db: AuthDb;
  accessTokens: AccessTokenIssuer;
  refreshTtlSeconds: number;
  logger: Logger;
  now: () => number;
  onReuse?: () => void;
}

type NewRefreshToken = Omit<RefreshTokenRow, 'spent_at'>;

const invalid = (why: string) => appError(Code.Unauthenticated, Reason.TOKEN_INVALID, `refresh_token: ${why}`, { field: 'refresh_token' });

/** Builds the session logic over the repository functions. */
export function createSessions(options: SessionsOptions): Sessions {
  const { db, accessTokens, logger, now } = options;
  const ttlMs = options.refreshTtlSeconds * 1000;

  // Makes a refresh token, lets `store` persist it (false: it lost a race), then mints the access token.
  async function pair(user: UserRow, familyId: string, store: (row: NewRefreshToken) => Promise<boolean>): Promise<TokenPairInit | undefined> {
    const refreshToken = randomRefreshToken();
    const createdAt = now();
    const expiresAt = createdAt + ttlMs;
    const stored = await store({ id: randomUUID(), family_id: familyId, token_hash: sha256Hex(refreshToken), created_at: createdAt, expires_at: expiresAt });
    if (!stored) return undefined;
    const access = await accessTokens.issue(user.id, roleNames(user));
    return {
      accessToken: access.token,
      accessTokenExpireTime: timestampFromMs(access.expiresAtMs),
      refreshToken,
      refreshTokenExpireTime: timestampFromMs(expiresAt),
    };
  }

  async function reused(familyId: string, userId: string): Promise<never> {
    await revokeFamily(db, familyId, now());
    options.onReuse?.();
    logger.warn({ familyId, userId }, 'spent refresh token reused: session revoked');
    throw appError(Code.Unauthenticated, Reason.TOKEN_REUSED, 'refresh_token: already used; the session has been ended, sign in again', {
      field: 'refresh_token',
    });
  }

  async function lookup(refreshToken: string) {
    if (!refreshToken) throw invalidArgument('refresh_token', 'refresh_token: required');
    const row = await findRefreshToken(db, sha256Hex(refreshToken));
    if (!row) throw invalid('unknown token');
    return row;
  }

  return {
    async start(user) {
      const familyId = randomUUID();
      const tokens = await pair(user, familyId, async (row) => {
        await db.transaction().execute(async (trx) => {
          await insertFamily(trx, { id: familyId, user_id: user.id, created_at: row.created_at });
          await insertRefreshToken(trx, row);
        });
        return true;
      });
      return tokens!;
    },

    async rotate(refreshToken) {
      const row = await lookup(refreshToken);
      if (row.family_revoked_at !== null) throw invalid('the session has been ended');
      if (row.spent_at !== null) return reused(row.family_id, row.user_id);
      if (row.expires_at <= now()) throw invalid('expired');
      const user = await findUserById(db, row.user_id);
      if (!user) throw invalid('unknown user');
      const next = await pair(user, row.family_id, (newRow) =>
        db.transaction().execute(async (trx) => {
          if (!(await spendRefreshToken(trx, row.id, newRow.created_at))) return false;
          await insertRefreshToken(trx, newRow);
          return true;
        }),
      );
      // Lost the race to a concurrent use of the same token: that is reuse too.
      return next ?? reused(row.family_id, row.user_id);
    },

    async end(refreshToken) {
      const row = await lookup(refreshToken);
      await revokeFamily(db, row.family_id, now());
    },

    async endAll(userId) {
      await revokeUserFamilies(db, userId, now());
    },

    sweep: () => deleteExpiredRefreshTokens(db, now() - 24 * 3600_000),
  };
}
