import type { Insertable, Selectable, Updateable } from 'kysely';

/** `users`: one row per account. Timestamps are epoch milliseconds. */
export interface UsersTable {
  id: string;
  /** Normalised (trimmed, NFC, lower-cased); unique. */
  email: string;
  display_name: string;
  /** An argon2id PHC string. */
  password_hash: string;
  /** 1 for admins, 0 otherwise (portable across MySQL and SQLite). */
  is_admin: number;
  created_at: number;
  updated_at: number;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
