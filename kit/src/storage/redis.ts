import { Redis, type Command } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { SpanKind, recordFailure, type Tracing } from '../observability/tracing.js';

export type { Redis };

/**
 * A Redis connection for caches, rate limits and queues: commands fail fast
 * while Redis is down (no offline queue, short timeout), so callers fall back
 * instead of waiting, and it reconnects by itself.
 */
export function createRedis(url: string, logger: Logger, name = 'redis', tracing?: Tracing): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    // disconnect() while Redis is unreachable would otherwise hold the process open for 2 s.
    disconnectTimeout: 200,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
    connectionName: name,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn({ err: err.message, name }, 'redis unavailable');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ name }, 'redis reconnected');
    down = false;
  });
  if (tracing?.mode === 'recording') traceCommands(redis, tracing, new URL(url));
  return redis;
}

/**
 * A client span per command sent for a traced request (the active context's), on this connection only. What
 * @opentelemetry/instrumentation-ioredis does by patching the module on require, which neither our ESM
 * imports nor the esbuild bundles go through; its versions also stop short of ioredis 6.
 */
function traceCommands(redis: Redis, tracing: Tracing, url: URL): void {
  const send = redis.sendCommand.bind(redis);
  const attributes = {
    'db.system.name': 'redis',
    'server.address': url.hostname,
    'server.port': Number(url.port || 6379),
  };
  redis.sendCommand = (command: Command, stream?: Parameters<typeof send>[1]) => {
    const span = tracing.startChildSpan(command.name, SpanKind.CLIENT, {
      ...attributes,
      'db.operation.name': command.name.toUpperCase(),
    });
    if (span)
      command.promise.then(
        () => span.end(),
        (err: unknown) => {
          recordFailure(span, err);
          span.end();
        },
      );
    return send(command, stream);
  };
}

/** Resolves once the connection is ready (or rejects after `ms`), so start-up knows Redis is reachable. */
export function redisReady(redis: Redis, ms = 3_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${ms} ms`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
