import type { AuthDb } from '../database.js';
import type { NewUserRow, UserRow } from './user.table.js';

/** Inserts a new account; a taken email fails with the engine's unique violation (see isUniqueViolation). */
export async function insertUser(db: AuthDb, row: NewUserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/** One user by id. */
export function findUserById(db: AuthDb, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One user by normalised email. */
export function findUserByEmail(db: AuthDb, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

/** The users among `ids` that exist (any order). */
export async function findUsersByIds(db: AuthDb, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', [...ids]).execute();
}

/** Replaces a user's password hash. */
export async function updatePasswordHash(db: AuthDb, id: string, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

/** Grants or removes admin. */
export async function setAdmin(db: AuthDb, id: string, admin: boolean, now: number): Promise<void> {
  await db.updateTable('users').set({ is_admin: admin ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
}
