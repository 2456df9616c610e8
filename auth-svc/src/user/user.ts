/** An account as services see it; the row shape (`UserRow`) stays in the data layer. */
export interface User {
  id: string;
  /** Normalised (trimmed, NFC, lower-cased). */
  email: string;
  displayName: string;
  /** An argon2id PHC string. */
  passwordHash: string;
  isAdmin: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

/** The role names access tokens carry (`roles` claim). */
export function roleNames(user: Pick<User, 'isAdmin'>): string[] {
  return user.isAdmin ? ['user', 'admin'] : ['user'];
}
