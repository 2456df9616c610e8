import fs from 'node:fs';
import net from 'node:net';
import { sql } from 'kysely';
import { createLogger } from '../observability/logger.js';
import { listen } from '../server/listen.js';
import { openDatabase, type DatabaseOptions } from '../storage/database.js';
import { eventually } from './eventually.js';
import type { TestStorage } from './storage.js';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, 0, '127.0.0.1');
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Takes a port, as another process would; close() gives it back. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  const port = await listen(server, 0, '127.0.0.1');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The TCP servers and connections this process holds open right now. */
export function openSockets(): Set<net.Server | net.Socket> {
  // Undocumented but stable since Node 0.x; the documented getActiveResourcesInfo() names kinds, not objects.
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return new Set(
    handles.filter((h): h is net.Server | net.Socket => h instanceof net.Server || h instanceof net.Socket),
  );
}

/** Waits until every TCP server and connection opened since `before` was taken is closed (closing is asynchronous). */
export async function expectSocketsClosedSince(before: Set<net.Server | net.Socket>): Promise<void> {
  const opened = () => [...openSockets()].filter((h) => !before.has(h));
  try {
    await eventually(() => opened().length === 0, 3_000);
  } catch {
    const describe = (h: net.Server | net.Socket) =>
      h instanceof net.Server
        ? `listening on ${JSON.stringify(h.address())}`
        : `connected to ${h.remoteAddress}:${h.remotePort}`;
    throw new Error(`still open: ${opened().map(describe).join(', ')}`);
  }
}

/**
 * Waits until nothing from the storage is held open by this process any more: no
 * session on the test's MySQL database, or (SQLite) no connection, which shows
 * as the WAL file going away when the last one closes.
 */
export async function expectStorageReleased(
  storage: TestStorage,
  sqliteFile: string,
  migrations: DatabaseOptions['migrations'],
): Promise<void> {
  if (!storage.mysqlUrl) {
    await eventually(() => !fs.existsSync(`${sqliteFile}-wal`), 3_000);
    return;
  }
  const observer = await openDatabase<object>({
    url: storage.mysqlUrl,
    sqliteFile,
    migrations,
    logger: createLogger('observer', 'silent'),
  });
  try {
    await eventually(async () => {
      const { rows } = await sql<{
        n: number;
      }>`select count(*) as n from information_schema.processlist where db = database() and id <> connection_id()`.execute(
        observer.db,
      );
      return Number(rows[0]?.n) === 0;
    }, 3_000);
  } finally {
    await observer.close();
  }
}
