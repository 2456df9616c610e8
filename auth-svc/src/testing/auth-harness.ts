// Shared set-up for auth-svc's integration tests (not a test itself): the real app on port 0,
// on real MariaDB + Redis or the embedded default, called through the kit's client.
import { randomBytes } from 'node:crypto';
import type { Client } from '@connectrpc/connect';
import { AuthService, type RegisterResponse } from '@pastemesh/gen/auth';
import { createLogger } from '@pastemesh/kit/observability';
import { ConnectError, createServiceClient, errorDetail, withBearer } from '@pastemesh/kit/rpc';
import { type BoundPorts } from '@pastemesh/kit/server';
import { createTestStorage, type StorageMode, type TestStorage } from '@pastemesh/kit/testing';
import { createApp, type AuthAppOverrides } from '../app.js';
import { loadAuthConfig } from '../config.js';
import { openAuthDatabase } from '../database.js';

/** Fast but legal settings: argon2 at exactly the OWASP floor, ports from the OS, no logs. */
export const TEST_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  GRPC_PORT: '0',
  CONNECT_PORT: '0',
  ADMIN_PORT: '0',
  LOG_LEVEL: 'silent',
  ARGON2_MEMORY_KIB: '19456',
  ARGON2_ITERATIONS: '2',
  REGISTER_MAX_PER_IP: '10000',
};

/** A running auth-svc and a client for it. */
export interface AuthHarness {
  storage: TestStorage;
  ports: BoundPorts;
  client: Client<typeof AuthService>;
  jwksUrl: string;
  /** Stops the app and starts it again on the same storage with `env` merged in. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Opens a second handle on the app's database (to inspect what is stored). */
  openDb(): ReturnType<typeof openAuthDatabase>;
  close(): Promise<void>;
}

/** Starts auth-svc on fresh storage for `mode`. */
export async function startAuth(
  mode: StorageMode,
  label: string,
  env: Record<string, string> = {},
  overrides: AuthAppOverrides = {},
): Promise<AuthHarness> {
  const storage = await createTestStorage(mode, label);
  let currentEnv = { ...storage.env, ...TEST_ENV, ...env };
  let app = createApp(loadAuthConfig(currentEnv), overrides);
  let ports = await app.start();
  let service = createServiceClient(AuthService, { address: `127.0.0.1:${ports.grpc}` });
  const harness: AuthHarness = {
    storage,
    ports,
    client: service.client,
    jwksUrl: `http://127.0.0.1:${ports.admin}/.well-known/jwks.json`,
    async restart(more = {}) {
      service.close();
      await app.stop();
      currentEnv = { ...currentEnv, ...more };
      app = createApp(loadAuthConfig(currentEnv), overrides);
      ports = await app.start();
      service = createServiceClient(AuthService, { address: `127.0.0.1:${ports.grpc}` });
      Object.assign(harness, {
        ports,
        client: service.client,
        jwksUrl: `http://127.0.0.1:${ports.admin}/.well-known/jwks.json`,
      });
    },
    openDb() {
      const config = loadAuthConfig(currentEnv);
      return openAuthDatabase({
        mysqlUrl: config.MYSQL_URL,
        sqliteFile: config.SQLITE_FILE,
        logger: createLogger('auth-test', 'silent'),
      });
    },
    async close() {
      service.close();
      await app.stop();
      await storage.cleanup();
    },
  };
  return harness;
}

/** A unique, valid email for one test. */
export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

/** A random documentation-range IPv4 address, so tests do not share rate-limit buckets. */
export function randomIp(): string {
  const b = randomBytes(2);
  return `198.51.${b[0]}.${b[1]}`;
}

/** Registers a fresh account; returns what was sent and what came back. */
export async function registerUser(
  client: Client<typeof AuthService>,
  fields: { email?: string; password?: string; displayName?: string; clientIp?: string } = {},
): Promise<{
  email: string;
  password: string;
  res: RegisterResponse;
  accessToken: string;
  refreshToken: string;
  userId: string;
}> {
  const email = fields.email ?? uniqueEmail();
  const password = fields.password ?? 'correct horse battery staple';
  const res = await client.register({
    email,
    password,
    displayName: fields.displayName ?? 'Test User',
    clientIp: fields.clientIp ?? randomIp(),
  });
  return {
    email,
    password,
    res,
    accessToken: res.tokens!.accessToken,
    refreshToken: res.tokens!.refreshToken,
    userId: res.account!.user!.id,
  };
}

/** What a failed call carried: code, reason, field, limit, retry hint and message. */
export interface RpcFailure {
  code: number;
  reason: string | undefined;
  field: string | undefined;
  limit: number | undefined;
  retryAfterSeconds: number | undefined;
  message: string;
}

/** Awaits a call that must fail and describes the failure (throws if it succeeded). */
export async function failure(call: Promise<unknown>): Promise<RpcFailure> {
  try {
    await call;
  } catch (err) {
    const e = ConnectError.from(err);
    const detail = errorDetail(e);
    return {
      code: e.code,
      reason: detail?.reason,
      field: detail?.field || undefined,
      limit: detail ? Number(detail.limit) || undefined : undefined,
      retryAfterSeconds: detail?.retryAfterSeconds || undefined,
      message: e.rawMessage,
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export { withBearer };
