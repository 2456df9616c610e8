import { migrationsFrom } from '@pastemesh/kit/storage';
import * as createAuthTables from './202611220900-create-auth-tables.js';

/** Every migration under the name kysely records it by (its file's); pending ones run in name order at start-up. */
export const authMigrations = migrationsFrom({
  '202611220900-create-auth-tables': createAuthTables,
});
