import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Error properties that can hold stored values (mysql2 puts the statement and its bound values in `sql`). */
const SECRET_ERROR_FIELDS = ['sql', 'sqlMessage', 'parameters', 'values'];

/** pino's error serializer without the SQL that failed, for the error and each cause. */
function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const scrub = (o: unknown, depth: number) => {
    if (!o || typeof o !== 'object' || depth > 5) return;
    for (const field of SECRET_ERROR_FIELDS) delete (o as Record<string, unknown>)[field];
    scrub((o as Record<string, unknown>)['cause'], depth + 1);
  };
  scrub(out, 0);
  return out;
}

/**
 * One JSON logger per process; every line carries the service, and a
 * request-scoped line its request and trace ids (`logFields`). Errors are logged
 * without the SQL text (it carries bound values: hashes, tokens, paste content).
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
