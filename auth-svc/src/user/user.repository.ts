import type { AuthDb } from '../database.js';
import type { User } from './user.js';
import type { NewUserRow, UserRow } from './user.table.js';

// Rows are mapped here, so services and mappers only ever see `User`.
function fromRow(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    isAdmin: Number(row.is_admin) === 1,
    createdAtMs: Number(row.created_at),
    updatedAtMs: Number(row.updated_at),
  };
}

function toRow(user: User): NewUserRow {
  return {
    id: user.id,
    email: user.email,
    display_name: user.displayName,
    password_hash: user.passwordHash,
    is_admin: user.isAdmin ? 1 : 0,
    created_at: user.createdAtMs,
    updated_at: user.updatedAtMs,
  };
}

/** Inserts a new account; a taken email fails with the engine's duplicate-key error (the kit's isDuplicateKey). */
export async function insertUser(db: AuthDb, user: User): Promise<void> {
  await db.insertInto('users').values(toRow(user)).execute();
}

/** One user by id. */
export async function findUserById(db: AuthDb, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && fromRow(row);
}

/** One user by normalised email. */
export async function findUserByEmail(db: AuthDb, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && fromRow(row);
}

/** The users among `ids` that exist (any order). */
export async function findUsersByIds(db: AuthDb, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return rows.map(fromRow);
}

/** Replaces a user's password hash. */
export async function updatePasswordHash(db: AuthDb, id: string, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

/** Grants or removes admin. */
export async function setAdmin(db: AuthDb, id: string, admin: boolean, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ is_admin: admin ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .execute();
}
