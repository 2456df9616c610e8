import fs from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  STORAGE_MODES,
  createTestStorage,
  dialectOf,
  dumpSchema,
  openTestDatabase,
  readSchemaSnapshot,
  restoreTestDatabase,
  trackMigrationRuns,
  type TestStorage,
} from '@pastemesh/kit/testing';
import { pasteMigrations } from './index.js';

// Made by the code before migrations were one kysely file each, i.e. what every existing database holds.
const existing = readSchemaSnapshot(new URL('../testing/existing-schema.json', import.meta.url));

describe('paste-svc migration files', () => {
  it('are one file per migration, named as the migration is recorded', () => {
    const files = fs
      .readdirSync(new URL('.', import.meta.url))
      .filter((f) => /^\d{12}-.+\.ts$/.test(f) && !f.endsWith('.test.ts'));
    expect(Object.keys(pasteMigrations('sqlite'))).toEqual(files.map((f) => f.replace(/\.ts$/, '')));
  });
});

describe.each(STORAGE_MODES)('paste-svc migrations (%s)', (mode) => {
  const storages: TestStorage[] = [];
  const storage = async (label: string) => {
    const s = await createTestStorage(mode, label);
    storages.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of storages) await s.cleanup();
  });

  it('open a database made by the previous code, running only migrations added since, and leave it as a fresh one', async () => {
    const old = await storage('paste_existing');
    const snapshot = existing[dialectOf(old)];
    await restoreTestDatabase(old, snapshot);
    const runs = trackMigrationRuns(pasteMigrations);
    const upgraded = await openTestDatabase(old, runs.migrations);
    const fresh = await openTestDatabase(await storage('paste_fresh'), pasteMigrations);
    try {
      expect(runs.ran).toEqual(
        Object.keys(pasteMigrations(upgraded.dialect)).filter((name) => !snapshot.migrations.includes(name)),
      );
      expect(await dumpSchema(upgraded.db, upgraded.dialect)).toEqual(await dumpSchema(fresh.db, fresh.dialect));
    } finally {
      await upgraded.close();
      await fresh.close();
    }
  });

  it('run nothing and change nothing when the database is opened a second time', async () => {
    const s = await storage('paste_twice');
    const first = await openTestDatabase(s, pasteMigrations);
    const before = await dumpSchema(first.db, first.dialect);
    await first.close();
    const runs = trackMigrationRuns(pasteMigrations);
    const second = await openTestDatabase(s, runs.migrations);
    try {
      expect(runs.ran).toEqual([]);
      expect(await dumpSchema(second.db, second.dialect)).toEqual(before);
    } finally {
      await second.close();
    }
  });
});
