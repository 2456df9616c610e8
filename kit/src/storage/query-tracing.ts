import type { LogEvent } from 'kysely';
import type { Metrics } from '../observability/metrics.js';
import { SpanKind, recordFailure, type Tracing } from '../observability/tracing.js';

/** What a database's queries report to. */
export interface QueryObserverOptions {
  /** The engine (database.ts's SqlDialect). */
  dialect: 'mysql' | 'sqlite';
  /** The database (MySQL schema, or SQLite file name), for spans' db.namespace. */
  database: string;
  /** The server queries go to (MySQL), for spans' server.address and server.port: a replica's reads show as such. */
  server?: { address: string; port: number };
  metrics?: Metrics;
  tracing?: Tracing;
}

/**
 * Kysely's `log` hook as the one place SQL is observed, for MySQL and SQLite alike: query time by statement
 * kind into db_query_duration_seconds and, for a query made while a traced request is active, a client span
 * (there is no upstream instrumentation for better-sqlite3, and mysql2's patches the module on require, which
 * ESM imports and the esbuild bundles do not go through). Kysely calls the hook when the query has finished,
 * in the caller's async context, so the span is opened at its start time and closed at once. The span carries
 * the statement with its placeholders, never the bound values.
 */
export function queryObserver(options: QueryObserverOptions): ((event: LogEvent) => void) | undefined {
  const { metrics } = options;
  const tracing = options.tracing?.mode === 'recording' ? options.tracing : undefined;
  if (!metrics && !tracing) return undefined;
  const system = options.dialect === 'mysql' ? 'mysql' : 'sqlite';
  return (event) => {
    const sqlText = event.query.sql;
    const operation = /^\s*(\w+)/.exec(sqlText)?.[1]?.toLowerCase() ?? 'other';
    metrics?.dbQueryDuration.observe({ operation }, event.queryDurationMillis / 1000);
    if (!tracing) return;
    const span = tracing.startChildSpan(
      `${operation.toUpperCase()} ${options.database}`,
      SpanKind.CLIENT,
      {
        'db.system.name': system,
        'db.namespace': options.database,
        'db.operation.name': operation.toUpperCase(),
        'db.query.text': sqlText,
        ...(options.server ? { 'server.address': options.server.address, 'server.port': options.server.port } : {}),
      },
      Date.now() - event.queryDurationMillis,
    );
    if (!span) return;
    // The driver's code only: its message may quote a stored value ("Duplicate entry 'a@b.c' for key …").
    if (event.level === 'error')
      recordFailure(span, event.error, String((event.error as { code?: unknown })?.code ?? 'query failed'));
    span.end();
  };
}
