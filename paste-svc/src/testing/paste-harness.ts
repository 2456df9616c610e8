import path from 'node:path';
import { ConnectError, type Client } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Kysely } from 'kysely';
import type { PasteEventSchema } from '@pastemesh/gen/analytics';
import { PasteService } from '@pastemesh/gen/paste';
import { createLogger } from '@pastemesh/kit/observability';
import { createServiceClient, withBearer } from '@pastemesh/kit/rpc';
import { openDatabase, type ServiceDatabase } from '@pastemesh/kit/storage';
import {
  createTestIssuer,
  createTestStorage,
  type StorageMode,
  type TestIssuer,
  type TestStorage,
} from '@pastemesh/kit/testing';
import { createApp, type PasteAppOverrides, type PasteAppStarted } from '../app.js';
import { loadPasteConfig } from '../config.js';
import type { PasteDatabase } from '../database.js';
import { pasteMigrations } from '../migrations/index.js';

/** One running paste-svc on real storage, with what its tests need to drive and observe it. */
export interface PasteNode {
  ports: PasteAppStarted;
  client: Client<typeof PasteService>;
  /** Lifecycle events the app recorded. */
  events: MessageInitShape<typeof PasteEventSchema>[];
  /** The app's /metrics text. */
  metricsText(): Promise<string>;
  /** The value of one sample in /metrics (0 when absent), e.g. sample('paste_cache_loads_total'). */
  sample(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** A test's storage, token issuer, clock and first node. */
export interface PasteHarness extends PasteNode {
  storage: TestStorage;
  issuer: TestIssuer;
  /** The clock every node of this harness uses; advance it to cross expiry times. */
  clock: { now(): number; advance(ms: number): void };
  /** Direct access to the same database, to check what is stored. */
  db(): Promise<Kysely<PasteDatabase>>;
  /** How many pastes the database holds (to check that a refused write stored nothing). */
  storedPastes(): Promise<number>;
  /** Runs one sweeper round on the first node. */
  sweepOnce(): ReturnType<PasteAppStarted['sweepOnce']>;
  /** Starts another replica on the same storage. */
  startNode(env?: Record<string, string>, overrides?: PasteAppOverrides): Promise<PasteNode>;
  /** Call options carrying a bearer token. */
  as(token: string | undefined): ReturnType<typeof withBearer>;
  close(): Promise<void>;
}

/**
 * Starts paste-svc on fresh storage for `mode` (or on `storage` the test made, e.g. on a startMariadbPair
 * primary; closing the harness cleans it up); `env` overrides config variables.
 */
export async function startPasteHarness(
  mode: StorageMode | TestStorage,
  label: string,
  env: Record<string, string> = {},
  overrides: PasteAppOverrides = {},
): Promise<PasteHarness> {
  const storage = typeof mode === 'string' ? await createTestStorage(mode, label) : mode;
  const issuer = await createTestIssuer();
  let offset = 0;
  const clock = { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) };
  const nodes: PasteNode[] = [];
  let database: ServiceDatabase<PasteDatabase> | undefined;

  async function startNode(
    extraEnv: Record<string, string> = {},
    nodeOverrides: PasteAppOverrides = {},
  ): Promise<PasteNode> {
    const config = loadPasteConfig({
      ...storage.env,
      HOST: '127.0.0.1',
      GRPC_PORT: '0',
      CONNECT_PORT: '0',
      ADMIN_PORT: '0',
      LOG_LEVEL: 'silent',
      SWEEP_ENABLED: 'false',
      // No auth-svc in these tests; API-key tests start a stand-in and set this.
      AUTH_SVC_URL: '127.0.0.1:1',
      ...extraEnv,
    });
    const events: MessageInitShape<typeof PasteEventSchema>[] = [];
    const app = createApp(config, {
      jwks: issuer.jwks,
      events: { recordPasteEvent: (e) => events.push(e) },
      now: clock.now,
      ...nodeOverrides,
    });
    const ports = await app.start();
    const { client, close } = createServiceClient(PasteService, { address: `127.0.0.1:${ports.grpc}` });
    const metricsText = async () => (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text();
    const node: PasteNode = {
      ports,
      client,
      events,
      metricsText,
      async sample(name, labels = {}) {
        // Sums every series of `name` that carries the given labels.
        const lines = (await metricsText())
          .split('\n')
          .filter(
            (l) =>
              (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
              Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
          );
        return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      },
      async stop() {
        close();
        await app.stop();
      },
    };
    nodes.push(node);
    return node;
  }

  async function db(): Promise<Kysely<PasteDatabase>> {
    database ??= await openDatabase<PasteDatabase>({
      url: storage.mysqlUrl,
      sqliteFile: path.join(storage.dataDir, 'paste-svc.db'),
      migrations: pasteMigrations,
      logger: createLogger('paste-test', 'silent'),
    });
    return database.db;
  }

  const first = await startNode(env, overrides);
  return {
    ...first,
    storage,
    issuer,
    clock,
    startNode,
    sweepOnce: () => first.ports.sweepOnce(),
    as: (token) => withBearer(token),
    db,
    async storedPastes() {
      const row = await (await db())
        .selectFrom('pastes')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async close() {
      for (const node of nodes.reverse()) await node.stop();
      await database?.close();
      await storage.cleanup();
    },
  };
}

/** Text as the bytes a paste holds. */
export const bytes = (text: string) => new TextEncoder().encode(text);
/** A paste's bytes as text. */
export const text = (content: Uint8Array | undefined) => new TextDecoder().decode(content);

/** The error a call failed with; fails the test if the call succeeded. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error('expected the call to fail, but it succeeded');
}
