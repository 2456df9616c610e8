import type { AuthDb } from '../database.js';
import type { NewRefreshToken, StoredRefreshToken } from './refresh-token.js';

/** Starts a session. */
export async function insertFamily(
  db: AuthDb,
  family: { id: string; userId: string; createdAtMs: number },
): Promise<void> {
  await db
    .insertInto('refresh_families')
    .values({ id: family.id, user_id: family.userId, created_at: family.createdAtMs, revoked_at: null })
    .execute();
}

/** Stores a new refresh token (its hash only). */
export async function insertRefreshToken(db: AuthDb, token: NewRefreshToken): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      family_id: token.familyId,
      token_hash: token.tokenHash,
      created_at: token.createdAtMs,
      expires_at: token.expiresAtMs,
      spent_at: null,
    })
    .execute();
}

/** Looks a token up by the SHA-256 of its value, with its family's owner and revocation. */
export async function findRefreshToken(db: AuthDb, tokenHash: string): Promise<StoredRefreshToken | undefined> {
  const row = await db
    .selectFrom('refresh_tokens as t')
    .innerJoin('refresh_families as f', 'f.id', 't.family_id')
    .select(['t.id', 't.family_id', 't.created_at', 't.expires_at', 't.spent_at', 'f.user_id', 'f.revoked_at'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    createdAtMs: Number(row.created_at),
    expiresAtMs: Number(row.expires_at),
    spentAtMs: row.spent_at === null ? null : Number(row.spent_at),
    familyRevoked: row.revoked_at !== null,
  };
}

/**
 * Marks a token spent only if nobody has yet and its family is not revoked: one
 * conditional UPDATE whose affected-row count says who won, so of N concurrent
 * uses exactly one does, and a revocation committed first always wins. On
 * MySQL the family subquery inside an UPDATE is a locking read (it waits for a
 * revocation in flight and sees it once committed); SQLite runs one writer at a time.
 */
export async function spendRefreshToken(db: AuthDb, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ spent_at: now })
    .where('id', '=', id)
    .where('spent_at', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('refresh_families as f')
          .select('f.id')
          .whereRef('f.id', '=', 'refresh_tokens.family_id')
          .where('f.revoked_at', 'is', null),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends one session: every token in the family stops working. */
export async function revokeFamily(db: AuthDb, familyId: string, now: number): Promise<void> {
  await db
    .updateTable('refresh_families')
    .set({ revoked_at: now })
    .where('id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Ends every session of a user (password change). */
export async function revokeUserFamilies(db: AuthDb, userId: string, now: number): Promise<void> {
  await db
    .updateTable('refresh_families')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Deletes up to `limit` tokens that expired before `before`; returns how many. */
export async function deleteExpiredRefreshTokens(db: AuthDb, before: number, limit: number): Promise<number> {
  // Select-then-delete by id: SQLite has no DELETE … LIMIT.
  const ids = (
    await db.selectFrom('refresh_tokens').select('id').where('expires_at', '<', before).limit(limit).execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom('refresh_tokens').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` families with no tokens left (all expired and swept);
 * returns how many. Emptiness is checked again in the DELETE, and an empty
 * family never gains a token (rotation needs a live one), so none is lost to a race.
 */
export async function deleteEmptyFamilies(db: AuthDb, limit: number): Promise<number> {
  const ids = (
    await db
      .selectFrom('refresh_families as f')
      .select('f.id')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('refresh_tokens as t').select('t.id').whereRef('t.family_id', '=', 'f.id'))),
      )
      .limit(limit)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('refresh_families')
    .where('id', 'in', ids)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('refresh_tokens as t').select('t.id').whereRef('t.family_id', '=', 'refresh_families.id'))),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
