import type { Kysely, Migration } from 'kysely';
import { openDatabase, type Logger, type Metrics, type ServiceDatabase, type SqlDialect } from '@pastemesh/kit';
import type { UsersTable } from './user/user.table.js';
import type { RefreshFamiliesTable, RefreshTokensTable } from './session/refresh-token.table.js';
import type { ApiKeysTable } from './api-key/api-key.table.js';
import * as createAuthTables from './migrations/202611220900-create-auth-tables.js';

/** auth-svc's schema, composed from each feature's table interfaces. */
export interface AuthDatabase {
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
}

/** The database handle repositories take first. */
export type AuthDb = Kysely<AuthDatabase>;

/** Every migration by name, bound to the dialect (names sort in the order they run). */
export function authMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '202611220900-create-auth-tables': { up: (db) => createAuthTables.up(db, dialect), down: (db) => createAuthTables.down(db) },
  };
}

/** Opens auth-svc's database (MySQL when `url` is set, else the SQLite file) and migrates it. */
export function openAuthDatabase(options: {
  url: string | undefined;
  sqliteFile: string;
  logger: Logger;
  metrics?: Metrics;
}): Promise<ServiceDatabase<AuthDatabase>> {
  return openDatabase<AuthDatabase>({ ...options, migrations: authMigrations });
}

/** True when `err` is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
