import type { Selectable } from 'kysely';

/** `refresh_families`: one sign-in and every token rotated from it. */
export interface RefreshFamiliesTable {
  id: string;
  user_id: string;
  created_at: number;
  /** Set when the session is ended (logout, reuse, password change); every token in it stops working. */
  revoked_at: number | null;
}

/** `refresh_tokens`: one row per issued refresh token; only its SHA-256 is stored. */
export interface RefreshTokensTable {
  id: string;
  family_id: string;
  /** Hex SHA-256 of the opaque token. */
  token_hash: string;
  created_at: number;
  expires_at: number;
  /** Set when the token is rotated; a second use of a spent token revokes the family. */
  spent_at: number | null;
}

export type RefreshFamilyRow = Selectable<RefreshFamiliesTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
