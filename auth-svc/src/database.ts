import type { Kysely } from 'kysely';
import { type Logger, type Metrics, type Tracing } from '@pastemesh/kit/observability';
import { openDatabase, serviceDatabaseUrl, type ServiceDatabase } from '@pastemesh/kit/storage';
import type { UsersTable } from './user/user.table.js';
import type { RefreshFamiliesTable, RefreshTokensTable } from './session/refresh-token.table.js';
import type { ApiKeysTable } from './api-key/api-key.table.js';
import { authMigrations } from './migrations/index.js';

/** auth-svc's schema, composed from each feature's table interfaces. */
export interface AuthDatabase {
  users: UsersTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
}

/** The database handle repositories take first. */
export type AuthDb = Kysely<AuthDatabase>;

/** The database auth-svc uses when MYSQL_URL names only the server (e.g. `mysql://root@127.0.0.1:3306/`). */
export const AUTH_DATABASE = 'pastemesh_auth';

/**
 * Opens auth-svc's database and migrates it: on MySQL when `mysqlUrl` is set (a
 * server URL gets `/pastemesh_auth`, or `databaseName`, through the kit's
 * serviceDatabaseUrl, like every service), else the SQLite file.
 */
export function openAuthDatabase(options: {
  mysqlUrl: string | undefined;
  /** Test seam: the database a server-only URL is given (default pastemesh_auth). */
  databaseName?: string | undefined;
  sqliteFile: string;
  logger: Logger;
  metrics?: Metrics | undefined;
  tracing?: Tracing | undefined;
}): Promise<ServiceDatabase<AuthDatabase>> {
  return openDatabase<AuthDatabase>({
    url: serviceDatabaseUrl(options.mysqlUrl, options.databaseName ?? AUTH_DATABASE),
    sqliteFile: options.sqliteFile,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    migrations: authMigrations,
  });
}
