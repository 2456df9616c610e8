import { pino, type Logger } from 'pino';
import { currentContext } from './request-context.js';

export type { Logger };

/** One JSON logger per process; every line carries the service, request id and trace id. */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin() {
      const ctx = currentContext();
      return ctx ? { requestId: ctx.requestId, traceId: ctx.traceId } : {};
    },
  });
}
