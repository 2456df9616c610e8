import type { Migration } from 'kysely';
import type { SqlDialect } from '@pastemesh/kit';
import { createPastes } from './202611230900-create-pastes.js';

/** Every migration by its timestamped name; the kit runs them in name order at start-up. */
export function pasteMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '202611230900-create-pastes': createPastes(dialect),
  };
}
