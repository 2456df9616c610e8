import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@pastemesh/kit/observability';
import { type ServiceDatabase } from '@pastemesh/kit/storage';
import { STORAGE_MODES, createTestStorage, type TestStorage } from '@pastemesh/kit/testing';
import { openAuthDatabase, type AuthDatabase } from '../database.js';
import type { AccessTokenIssuer } from '../token/access-token.js';
import { insertUser } from '../user/user.repository.js';
import { createSessions } from './sessions.js';

const DAY_MS = 24 * 3600_000;
// The sweep never mints access tokens; pairs carry this placeholder.
const issuer: AccessTokenIssuer = { issue: async () => ({ token: 'unused', expiresAtMs: 0 }) };

describe.each(STORAGE_MODES)('refresh-token sweep (%s)', (mode) => {
  let storage: TestStorage;
  let database: ServiceDatabase<AuthDatabase>;
  const logger = createLogger('auth-test', 'silent');
  beforeAll(async () => {
    storage = await createTestStorage(mode, 'auth_sweep');
    database = await openAuthDatabase({ mysqlUrl: storage.mysqlUrl, sqliteFile: storage.sqliteFile, logger });
  });
  afterAll(async () => {
    await database?.close();
    await storage?.cleanup();
  });

  it('deletes expired tokens and then the sessions left without tokens, in batches, keeping live ones', async () => {
    const db = database.db;
    let clock = Date.now();
    const sessions = createSessions({
      db,
      accessTokens: issuer,
      refreshTtlSeconds: 30 * 24 * 3600,
      logger,
      now: () => clock,
      sweepBatchSize: 2,
    });
    const user = {
      id: randomUUID(),
      email: `${randomUUID()}@example.com`,
      displayName: 'Sweep',
      passwordHash: 'x',
      isAdmin: false,
      createdAtMs: clock,
      updatedAtMs: clock,
    };
    await insertUser(db, user);
    // Five old sessions, one of them rotated (two tokens) and one ended.
    const old = [];
    for (let i = 0; i < 5; i++) old.push((await sessions.start(user)).refreshToken!);
    await sessions.rotate(old[0]!);
    await sessions.end(old[1]!);
    clock += 32 * DAY_MS;
    const live = (await sessions.start(user)).refreshToken!;
    const endedButUnexpired = (await sessions.start(user)).refreshToken!;
    await sessions.end(endedButUnexpired);

    expect(await sessions.sweep()).toEqual({ tokens: 6, families: 5 });
    const families = await db.selectFrom('refresh_families').select('id').where('user_id', '=', user.id).execute();
    expect(families).toHaveLength(2);
    const tokens = await db.selectFrom('refresh_tokens').select('family_id').execute();
    expect(new Set(tokens.map((t) => t.family_id))).toEqual(new Set(families.map((f) => f.id)));
    await expect(sessions.rotate(live)).resolves.toBeDefined();
    expect(await sessions.sweep()).toEqual({ tokens: 0, families: 0 });
  });
});
