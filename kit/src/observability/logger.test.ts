import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { contextFromHeaders, logFields } from '../rpc/request-context.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines with the service, request id and trace id', () => {
    const { lines, stream } = capture();
    const logger = createLogger('paste-svc', 'info', stream);
    const ctx = contextFromHeaders(
      (h) => ({ 'x-request-id': 'req-7', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })[h],
    );
    logger.info(logFields(ctx), 'hello');
    logger.info(logFields(undefined), 'outside any request');
    expect(lines[0]).toMatchObject({
      service: 'paste-svc',
      request_id: 'req-7',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      msg: 'hello',
    });
    expect(lines[1]).not.toHaveProperty('request_id');
  });

  it('passes on only trace headers gRPC metadata can carry, and mints a request id for an unusable one', () => {
    const ctx = contextFromHeaders(
      (h) =>
        ({
          'x-request-id': 'bad id with spaces',
          traceparent: '\u00e2\u0080\u00ae',
          tracestate: 'v=1',
          b3: 'x'.repeat(513),
        })[h],
    );
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.traceHeaders).toEqual({ tracestate: 'v=1', 'x-request-id': ctx.requestId });
  });

  it('never logs the SQL of a failed query, which carries bound values', () => {
    const { lines, stream } = capture();
    const logger = createLogger('auth-svc', 'info', stream);
    const dbError = Object.assign(new Error("Duplicate entry for key 'email'"), {
      code: 'ER_DUP_ENTRY',
      sql: "insert into users values ('$argon2id$v=19$m=19456$secret-hash')",
      sqlMessage: "Duplicate entry 'x' for key 'email'",
    });
    const wrapped = new Error('insert failed', { cause: dbError });
    logger.error({ err: dbError }, 'query failed');
    logger.error({ err: wrapped }, 'wrapped failure');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('secret-hash');
    expect(text).not.toContain('insert into users');
    expect(lines[0]!['err']).toMatchObject({ code: 'ER_DUP_ENTRY', message: "Duplicate entry for key 'email'" });
  });
});
