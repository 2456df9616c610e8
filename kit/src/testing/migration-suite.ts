// The migration tests every service runs, written once (`@pastemesh/kit/testing/migration-suite`, apart from
// `@pastemesh/kit/testing` because it needs jest's globals and the launcher imports that subpath outside jest).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { DatabaseOptions } from '../storage/database.js';
import {
  dialectOf,
  dumpSchema,
  openTestDatabase,
  readSchemaSnapshot,
  restoreTestDatabase,
  trackMigrationRuns,
} from './schema.js';
import { STORAGE_MODES, createTestStorage, type TestStorage } from './storage.js';

export interface MigrationSuiteOptions {
  /** e.g. `paste-svc`, in the test names. */
  service: string;
  /** The service's migrations (its `src/migrations/index.ts`). */
  migrations: DatabaseOptions['migrations'];
  /** The folder of the migration files (`new URL('.', import.meta.url)` from the test beside them). */
  folder: URL;
  /** The schema the previous code made: the service's `src/testing/existing-schema.json`. */
  existingSchema: URL;
}

/**
 * Describes the service's migration tests: one file per recorded name; a database restored from the schema
 * the previous code made opens, runs only migrations added since, and ends equal to a fresh one; opening a
 * database a second time runs and changes nothing. Each on the real MariaDB and on SQLite.
 */
export function describeMigrations({ service, migrations, folder, existingSchema }: MigrationSuiteOptions): void {
  const existing = readSchemaSnapshot(existingSchema);
  const label = service.replace(/-svc$/, '');

  describe(`${service} migration files`, () => {
    it('are one file per migration, named as the migration is recorded', () => {
      const files = fs.readdirSync(folder).filter((f) => /^\d{12}-.+\.ts$/.test(f) && !f.endsWith('.test.ts'));
      expect(Object.keys(migrations('sqlite'))).toEqual(files.map((f) => f.replace(/\.ts$/, '')));
    });
  });

  describe.each(STORAGE_MODES)(`${service} migrations (%s)`, (mode) => {
    const storages: TestStorage[] = [];
    const storage = async (name: string) => {
      const s = await createTestStorage(mode, `${label}_${name}`);
      storages.push(s);
      return s;
    };
    afterAll(async () => {
      for (const s of storages) await s.cleanup();
    });

    it('open a database made by the previous code, running only migrations added since, and leave it as a fresh one', async () => {
      const old = await storage('existing');
      const snapshot = existing[dialectOf(old)];
      await restoreTestDatabase(old, snapshot);
      const runs = trackMigrationRuns(migrations);
      const upgraded = await openTestDatabase(old, runs.migrations);
      const fresh = await openTestDatabase(await storage('fresh'), migrations);
      try {
        expect(runs.ran).toEqual(
          Object.keys(migrations(upgraded.dialect)).filter((name) => !snapshot.migrations.includes(name)),
        );
        expect(await dumpSchema(upgraded.db, upgraded.dialect)).toEqual(await dumpSchema(fresh.db, fresh.dialect));
      } finally {
        await upgraded.close();
        await fresh.close();
      }
    });

    it('run nothing and change nothing when the database is opened a second time', async () => {
      const s = await storage('twice');
      const first = await openTestDatabase(s, migrations);
      const before = await dumpSchema(first.db, first.dialect);
      await first.close();
      const runs = trackMigrationRuns(migrations);
      const second = await openTestDatabase(s, runs.migrations);
      try {
        expect(runs.ran).toEqual([]);
        expect(await dumpSchema(second.db, second.dialect)).toEqual(before);
      } finally {
        await second.close();
      }
    });
  });
}
