import type { AuthDb } from '../database.js';
import type { RefreshTokenRow } from './refresh-token.table.js';

/** A refresh token with the session (family) it belongs to. */
export interface RefreshTokenWithFamily extends RefreshTokenRow {
  user_id: string;
  family_revoked_at: number | null;
}

/** Starts a session. */
export async function insertFamily(db: AuthDb, family: { id: string; user_id: string; created_at: number }): Promise<void> {
  await db.insertInto('refresh_families').values({ ...family, revoked_at: null }).execute();
}

/** Stores a new refresh token (its hash only). */
export async function insertRefreshToken(db: AuthDb, row: Omit<RefreshTokenRow, 'spent_at'>): Promise<void> {
  await db.insertInto('refresh_tokens').values({ ...row, spent_at: null }).execute();
}

/** Looks a token up by the SHA-256 of its value, with its family's owner and revocation. */
export function findRefreshToken(db: AuthDb, tokenHash: string): Promise<RefreshTokenWithFamily | undefined> {
  return db
    .selectFrom('refresh_tokens as t')
    .innerJoin('refresh_families as f', 'f.id', 't.family_id')
    .select(['t.id', 't.family_id', 't.token_hash', 't.created_at', 't.expires_at', 't.spent_at', 'f.user_id', 'f.revoked_at as family_revoked_at'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/**
 * Marks a token spent only if nobody has yet: a conditional UPDATE whose
 * affected-row count says who won, so of N concurrent uses exactly one does.
 */
export async function spendRefreshToken(db: AuthDb, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ spent_at: now })
    .where('id', '=', id)
    .where('spent_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends one session: every token in the family stops working. */
export async function revokeFamily(db: AuthDb, familyId: string, now: number): Promise<void> {
  await db.updateTable('refresh_families').set({ revoked_at: now }).where('id', '=', familyId).where('revoked_at', 'is', null).execute();
}

/** Ends every session of a user (password change). */
export async function revokeUserFamilies(db: AuthDb, userId: string, now: number): Promise<void> {
  await db.updateTable('refresh_families').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

/** Deletes tokens that expired before `before`; returns how many. */
export async function deleteExpiredRefreshTokens(db: AuthDb, before: number): Promise<number> {
  const result = await db.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
