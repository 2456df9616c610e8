import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../observability/logger.js';
import { createServiceApp, type ServiceParts } from './service-app.js';

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('svc-test', 'debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

/** A promise to settle by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe('createServiceApp', () => {
  it('starts parts in order, hands each the ones before it, and stops them in reverse order', async () => {
    const events: string[] = [];
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        const db = await parts.start(
          'database',
          () => {
            events.push('start database');
            return { url: 'db' };
          },
          { stop: (d) => events.push(`stop database ${d.url}`) },
        );
        const cache = await parts.start(
          'cache',
          async () => {
            events.push(`start cache on ${db.url}`);
            return 'cache';
          },
          { stop: () => events.push('stop cache') },
        );
        parts.onStop('drain', () => events.push('drain'));
        return { port: cache.length };
      },
    });
    expect(await app.start()).toEqual({ port: 5 });
    await app.stop();
    expect(events).toEqual(['start database', 'start cache on db', 'drain', 'stop cache', 'stop database db']);
  });

  it('runs every stop even when one fails, logs the failure with the part’s name, and still resolves', async () => {
    const { logger, lines } = capturingLogger();
    const stopped: string[] = [];
    const app = createServiceApp({
      name: 'svc',
      logger,
      async start(parts) {
        await parts.start('database', () => 1, { stop: () => void stopped.push('database') });
        await parts.start('redis', () => 2, {
          stop: async () => {
            throw new Error('redis would not close');
          },
        });
        await parts.start('server', () => 3, { stop: () => void stopped.push('server') });
      },
    });
    await app.start();
    await expect(app.stop()).resolves.toBeUndefined();
    expect(stopped).toEqual(['server', 'database']);
    const failures = lines.filter((l) => l['level'] === 50);
    expect(failures[0]).toMatchObject({ part: 'redis', err: { message: 'redis would not close' } });
    expect(failures.at(-1)).toMatchObject({ parts: ['redis'] });
  });

  it('stops what started before a part that failed to start, never starts the rest, and rejects with the failure', async () => {
    const events: string[] = [];
    let attempt = 0;
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        attempt++;
        await parts.start('database', () => events.push(`open ${attempt}`), {
          stop: () => events.push(`close ${attempt}`),
        });
        await parts.start('server', () => {
          if (attempt === 1) throw new Error('EADDRINUSE');
        });
        await parts.start('sweeper', () => events.push(`sweep ${attempt}`));
        return attempt;
      },
    });
    await expect(app.start()).rejects.toThrow('EADDRINUSE');
    expect(events).toEqual(['open 1', 'close 1']);
    expect(app.isRunning()).toBe(false);
    // A failed start holds nothing, so the same app starts again from scratch.
    expect(await app.start()).toBe(2);
    await app.stop();
    expect(events).toEqual(['open 1', 'close 1', 'open 2', 'sweep 2', 'close 2']);
  });

  it('is ready only from a completed start until stop begins, with each contributed check’s result', async () => {
    const serverListening = deferred();
    let databaseUp = true;
    const readyWhileStopping: boolean[] = [];
    let started!: ServiceParts;
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        started = parts;
        await parts.start(
          'database',
          () => ({ ping: async () => (databaseUp ? undefined : Promise.reject(new Error('connection refused'))) }),
          {
            check: (db) => db.ping(),
          },
        );
        parts.addCheck('listening', async () => {});
        await parts.start('server', () => serverListening.promise, {
          stop: () => void readyWhileStopping.push(app.isRunning()),
        });
      },
    });
    const starting = app.start();
    await Promise.resolve();
    expect(app.isRunning()).toBe(false);
    serverListening.resolve();
    await starting;
    expect(app.isRunning()).toBe(true);
    expect(started.checks).toHaveProperty('database');
    expect(await app.readiness()).toEqual({ database: 'ok', listening: 'ok' });
    databaseUp = false;
    expect(await app.readiness()).toEqual({ database: 'connection refused', listening: 'ok' });
    await app.stop();
    // The first stop already saw the app unready: load balancers are told before anything closes.
    expect(readyWhileStopping).toEqual([false]);
    expect(await app.readiness()).toEqual({});
  });

  it('reports a check that does not answer in time as failed', async () => {
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      readinessTimeoutMs: 1,
      async start(parts) {
        parts.addCheck('peer', () => new Promise(() => {}));
      },
    });
    await app.start();
    expect(await app.readiness()).toEqual({ peer: 'timed out after 1 ms' });
    await app.stop();
  });

  it('stopped while starting, fails the start and stops the part that was opening once it opens', async () => {
    const opening = deferred<string>();
    const openCalled = deferred();
    const events: string[] = [];
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        await parts.start('database', () => 'db', { stop: () => events.push('close database') });
        const open = () => {
          openCalled.resolve();
          return opening.promise;
        };
        await parts.start('server', open, { stop: () => events.push('close server') });
        await parts.start('sweeper', () => events.push('sweeper started'));
      },
    });
    const starting = app.start();
    const failed = expect(starting).rejects.toThrow('svc was stopped while starting');
    await openCalled.promise;
    const stopping = app.stop();
    opening.resolve('server');
    await failed;
    await stopping;
    expect(events).toEqual(['close server', 'close database']);
  });

  it('runs a stop registered after the app stopped at once, for work that settled late', async () => {
    const settled = deferred<() => void>();
    const events: string[] = [];
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        // e.g. a subscription that waits for Redis: not awaited, undone when it settles.
        void settled.promise.then((unsubscribe) => parts.onStop('subscription', unsubscribe));
      },
    });
    await app.start();
    await app.stop();
    settled.resolve(() => events.push('unsubscribed'));
    await settled.promise;
    await Promise.resolve();
    expect(events).toEqual(['unsubscribed']);
  });

  it('stops once however often stop() is called, and not at all before start', async () => {
    let stops = 0;
    const app = createServiceApp({
      name: 'svc',
      logger: capturingLogger().logger,
      async start(parts) {
        await parts.start('database', () => 1, { stop: () => stops++ });
      },
    });
    await app.stop();
    await app.start();
    await expect(app.start()).rejects.toThrow('svc is already running');
    await Promise.all([app.stop(), app.stop()]);
    await app.stop();
    expect(stops).toBe(1);
  });
});
