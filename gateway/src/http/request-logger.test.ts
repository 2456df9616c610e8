import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '@pastemesh/kit/observability';
import { lazyRequestLogger } from './request-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('gateway-test', 'info', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof child>) => (children++, child(...args))) as typeof logger.child;
  return { logger: logger as unknown as FastifyBaseLogger, lines, children: () => children };
}

describe('lazy per-request logger', () => {
  const make = (logger: FastifyBaseLogger) =>
    lazyRequestLogger.call(undefined as never, logger, { reqId: 'req-7' }, {}, {} as IncomingMessage);

  it('builds no child logger for a request that logs nothing', () => {
    const { logger, children } = capture();
    make(logger);
    expect(children()).toBe(0);
  });

  it("logs a request's lines with its request id, at the parent's level, building the child once", () => {
    const { logger, lines, children } = capture();
    const log = make(logger);
    log.info({ statusCode: 404 }, 'Route GET:/nope not found');
    log.debug('below the level');
    log.warn('second line');
    expect(lines.map((l) => [l['reqId'], l['msg']])).toEqual([
      ['req-7', 'Route GET:/nope not found'],
      ['req-7', 'second line'],
    ]);
    expect(lines[0]!['statusCode']).toBe(404);
    expect(log.level).toBe('info');
    expect(children()).toBe(1);
  });
});
