/** A stored refresh token with its session (family), as sessions see it; the token value is never stored. */
export interface StoredRefreshToken {
  id: string;
  familyId: string;
  /** Whose session it is. */
  userId: string;
  createdAtMs: number;
  expiresAtMs: number;
  /** Set once it has been rotated; a second use ends the session. */
  spentAtMs: number | null;
  /** True once the session was ended (logout, reuse, password change). */
  familyRevoked: boolean;
}

/** A refresh token about to be stored: only the SHA-256 of its value. */
export interface NewRefreshToken {
  id: string;
  familyId: string;
  tokenHash: string;
  createdAtMs: number;
  expiresAtMs: number;
}
