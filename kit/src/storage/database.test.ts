import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { createLogger } from '../observability/logger.js';
import { openDatabase, SQLITE_PAGE_CACHE_KIB } from './database.js';

describe('the embedded SQLite database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-kit-db-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs in WAL mode with a page cache bounded for a service’s memory budget', async () => {
    const opened = await openDatabase<object>({
      sqliteFile: path.join(dir, 'x.db'),
      migrations: () => ({}),
      logger: createLogger('t', 'silent'),
    });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(opened.db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      // better-sqlite3's build default is -16000 (16 MiB per connection).
      expect(await pragma('cache_size')).toBe(-SQLITE_PAGE_CACHE_KIB);
      expect(SQLITE_PAGE_CACHE_KIB).toBeLessThanOrEqual(4096);
    } finally {
      await opened.close();
    }
  });
});
