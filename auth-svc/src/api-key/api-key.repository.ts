import type { AuthDb } from '../database.js';
import type { ApiKeyRow } from './api-key.table.js';

/** An API key with the admin flag of the user it acts as. */
export interface ApiKeyWithOwner extends ApiKeyRow {
  is_admin: number;
}

/** Stores a new key (its hash only). */
export async function insertApiKey(db: AuthDb, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** A user's keys, newest first, revoked ones included. */
export function listApiKeys(db: AuthDb, userId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Looks a key up by the SHA-256 of its secret, with its owner's admin flag. */
export function findApiKeyByHash(db: AuthDb, keyHash: string): Promise<ApiKeyWithOwner | undefined> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .selectAll('k')
    .select('u.is_admin')
    .where('k.key_hash', '=', keyHash)
    .executeTakeFirst();
}

/** One of a user's keys. */
export function findUserApiKey(db: AuthDb, userId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

/** Revokes a key if it is not revoked already. */
export async function revokeApiKey(db: AuthDb, id: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Records a use, at most once per `everyMs` (the WHERE makes concurrent uses write once). */
export async function touchApiKey(db: AuthDb, id: string, now: number, everyMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - everyMs)]))
    .execute();
}
