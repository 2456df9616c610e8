import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { Visibility } from '@pastemesh/gen/paste';
import { createLogger } from '@pastemesh/kit/observability';
import { openDatabase } from '@pastemesh/kit/storage';
import { STORAGE_MODES, createTestStorage, type TestStorage } from '@pastemesh/kit/testing';
import { startTestAnalytics, type TestAnalytics } from './testing/analytics-test-app.js';

const NOON = Date.UTC(2026, 10, 20, 12, 0, 0);

/** Makes the (still empty) test database default to a case-insensitive collation, as an operator might create it. */
async function makeCaseInsensitive(storage: TestStorage): Promise<void> {
  const admin = await openDatabase<object>({
    url: storage.mysqlUrl,
    sqliteFile: '',
    migrations: () => ({}),
    logger: createLogger('admin', 'silent'),
  });
  try {
    await sql`alter database character set utf8mb4 collate utf8mb4_general_ci`.execute(admin.db);
    await sql`drop table if exists kysely_migration, kysely_migration_lock`.execute(admin.db);
  } finally {
    await admin.close();
  }
}

describe.each(STORAGE_MODES)('ids that differ only by case (%s)', (mode) => {
  let storage: TestStorage;
  let svc: TestAnalytics;

  beforeAll(async () => {
    storage = await createTestStorage(mode, 'analytics_case');
    if (mode === 'mysql') await makeCaseInsensitive(storage);
    svc = await startTestAnalytics(storage, { now: () => NOON });
  });
  afterAll(async () => {
    await svc?.stop();
    await storage?.cleanup();
  });

  const view = (pasteId: string, eventId: string, viewerKey: string) => ({
    eventId,
    pasteId,
    viewerKey,
    time: timestampFromMs(NOON),
  });
  const created = (pasteId: string, eventId: string) => ({
    eventId,
    pasteId,
    kind: PasteEventKind.CREATED,
    time: timestampFromMs(NOON - 1_000),
    language: 'python',
    visibility: Visibility.PUBLIC,
    sizeBytes: 10n,
  });

  it('keeps separate counts for paste ids, viewer keys and event ids that differ only by case (on MySQL in a utf8mb4_general_ci database)', async () => {
    const paste = await svc.client.recordPasteEvents({
      events: [created('CasePaste01', 'Created-1'), created('casepaste01', 'created-1')],
    });
    expect(paste).toMatchObject({ accepted: 2, duplicates: 0 });
    const views = await svc.client.recordViews({
      events: [
        view('CasePaste01', 'View-1', 'Viewer'),
        view('casepaste01', 'view-1', 'viewer'),
        view('casepaste01', 'VIEW-1', 'VIEWER'),
      ],
    });
    expect(views).toMatchObject({ accepted: 3, duplicates: 0 });
    const { stats } = await svc.client.batchGetPasteStats({ pasteIds: ['CasePaste01', 'casepaste01'] });
    expect(stats.map((s) => [s.pasteId, s.totalViews, s.uniqueViewers])).toEqual([
      ['CasePaste01', 1n, 1n],
      ['casepaste01', 2n, 2n],
    ]);
    const top = (await svc.client.topPastes({ limit: 100 })).pastes.filter(
      (p) => p.pasteId.toLowerCase() === 'casepaste01',
    );
    expect(top.map((p) => [p.pasteId, p.views]).sort()).toEqual([
      ['CasePaste01', 1n],
      ['casepaste01', 2n],
    ]);
  });
});
