import type { Selectable } from 'kysely';

/** `api_keys`: named long-lived credentials; only the SHA-256 of the secret is stored. */
export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  /** The first characters of the secret (e.g. `pm_3fQk`), so owners recognise it. */
  prefix: string;
  /** Hex SHA-256 of the full secret. */
  key_hash: string;
  created_at: number;
  /** Updated at most once a minute. */
  last_used_at: number | null;
  revoked_at: number | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
