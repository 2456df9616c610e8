import type { AuthDb } from '../database.js';
import type { ApiKey, ApiKeyWithOwner } from './api-key.js';
import type { ApiKeyRow } from './api-key.table.js';

// Rows are mapped here; the hash goes in and never comes back out.
function fromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAtMs: Number(row.created_at),
    lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAtMs: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** Stores a new key: its description and the SHA-256 of its secret. */
export async function insertApiKey(db: AuthDb, key: ApiKey, keyHash: string): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      user_id: key.userId,
      name: key.name,
      prefix: key.prefix,
      key_hash: keyHash,
      created_at: key.createdAtMs,
      last_used_at: key.lastUsedAtMs,
      revoked_at: key.revokedAtMs,
    })
    .execute();
}

/** A user's keys, newest first, revoked ones included. */
export async function listApiKeys(db: AuthDb, userId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(fromRow);
}

/** Looks a key up by the SHA-256 of its secret, with its owner's admin flag. */
export async function findApiKeyByHash(db: AuthDb, keyHash: string): Promise<ApiKeyWithOwner | undefined> {
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .selectAll('k')
    .select('u.is_admin')
    .where('k.key_hash', '=', keyHash)
    .executeTakeFirst();
  return row && { ...fromRow(row), ownerIsAdmin: Number(row.is_admin) === 1 };
}

/** One of a user's keys. */
export async function findUserApiKey(db: AuthDb, userId: string, id: string): Promise<ApiKey | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && fromRow(row);
}

/** Revokes a key if it is not revoked already. */
export async function revokeApiKey(db: AuthDb, id: string, now: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
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
