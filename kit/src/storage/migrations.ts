import type { Kysely, Migration } from 'kysely';
import type { DatabaseOptions } from './database.js';

/** What a migration file exports: `up`, and `down` to undo it by hand (nothing runs `down` automatically). */
export interface MigrationModule {
  up(db: Kysely<any>): Promise<void>;
  down?(db: Kysely<any>): Promise<void>;
}

/** `<yyyymmddhhmm>-<what>`: the file's name, and the name kysely records in `kysely_migration`. */
const MIGRATION_NAME = /^\d{12}-[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The `migrations` for `openDatabase`, from a service's migration files imported as modules
 * (`import * as createPastes from '../202611230900-create-pastes.js'`) and keyed by file name.
 * kysely's Migrator runs the pending ones in name order at start-up and records each name, so a
 * name never changes once deployed. A migration tells MySQL from SQLite itself, where types differ.
 */
export function migrationsFrom(modules: Record<string, MigrationModule>): DatabaseOptions['migrations'] {
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of Object.entries(modules)) {
    if (!MIGRATION_NAME.test(name))
      throw new Error(`migration "${name}": name it <yyyymmddhhmm>-<what>, like its file`);
    migrations[name] = module.down ? { up: module.up, down: module.down } : { up: module.up };
  }
  return () => migrations;
}
