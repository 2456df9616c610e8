/** An API key as services see it: never the secret, never its hash. */
export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the secret (e.g. `pm_3fQk`), so owners recognise it. */
  prefix: string;
  createdAtMs: number;
  /** Updated at most once a minute. */
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

/** A key found by its secret, with whether the user it acts as is an admin. */
export interface ApiKeyWithOwner extends ApiKey {
  ownerIsAdmin: boolean;
}
