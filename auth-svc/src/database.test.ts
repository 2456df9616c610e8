import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { AuthService } from '@pastemesh/gen/auth';
import { createLogger } from '@pastemesh/kit/observability';
import { createServiceClient } from '@pastemesh/kit/rpc';
import { createTestStorage, type TestStorage } from '@pastemesh/kit/testing';
import { createApp } from './app.js';
import { loadAuthConfig } from './config.js';
import { openAuthDatabase } from './database.js';
import { TEST_ENV, registerUser } from './testing/auth-harness.js';

// Only MySQL has server URLs; the embedded mode is a file under DATA_DIR.
describe('auth database on a MySQL server URL', () => {
  let storage: TestStorage;
  let serverUrl: string;
  let databaseName: string;
  beforeAll(async () => {
    storage = await createTestStorage('mysql', 'auth_server_url');
    const url = new URL(storage.mysqlUrl!);
    databaseName = url.pathname.slice(1);
    url.pathname = '/';
    serverUrl = url.toString();
  });
  afterAll(async () => storage?.cleanup());

  it('starts on a MYSQL_URL that names only the server, deriving its own database as every service does', async () => {
    expect(serverUrl).toMatch(/^mysql:\/\/[^/]+\/$/);
    // The test names the database so it does not share pastemesh_auth with a running stack.
    const app = createApp(loadAuthConfig({ ...TEST_ENV, MYSQL_URL: serverUrl, DATA_DIR: storage.dataDir }), {
      databaseName,
    });
    const ports = await app.start();
    const service = createServiceClient(AuthService, { address: `127.0.0.1:${ports.grpc}` });
    try {
      const { userId } = await registerUser(service.client);
      const database = await openAuthDatabase({
        mysqlUrl: storage.mysqlUrl,
        sqliteFile: storage.sqliteFile,
        logger: createLogger('auth-test', 'silent'),
      });
      try {
        const { rows } = await sql<{ db: string }>`select database() as db`.execute(database.db);
        expect(rows[0]?.db).toBe(databaseName);
        expect(await database.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()).toEqual({
          id: userId,
        });
      } finally {
        await database.close();
      }
    } finally {
      service.close();
      await app.stop();
    }
  });
});
