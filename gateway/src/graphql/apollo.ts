import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, type Logger, type Metrics, type Tracing } from '@pastemesh/kit/observability';
import { tracingPlugin } from './tracing-plugin.js';
import { logFields } from '@pastemesh/kit/rpc';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from './context.js';
import { ConnectError } from '@connectrpc/connect';
import { formatError, isUnexpected } from './error-codes.js';
import { logEdgeError, toEdgeError } from '../request/edge-error.js';
import { createSchema } from './schema.js';

/**
 * Operation counts and latency by operation name, every error tagged with the request id, and (unless GRAPHQL_INTROSPECTION=true)
 * no field suggestions in error messages: done here rather than by graphql-armor's plugin, which would be one
 * more plugin for Apollo to call on every request.
 */
function observabilityPlugin(
  metrics: Metrics,
  logger: Logger,
  hideSuggestions: boolean,
): ApolloServerPlugin<GatewayContext> {
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation time, by operation name',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [metrics.registry],
  });
  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations, by operation name and outcome (ok, error)',
    labelNames: ['operation', 'outcome'],
    registers: [metrics.registry],
  });
  // Bound children per operation name (at most 1,000 kept): label objects built once (prom-client 15 still hashes them per call).
  const children = new Map<
    string,
    { duration: { observe(s: number): void }; ok: { inc(): void }; error: { inc(): void } }
  >();
  const childrenOf = (operation: string) => {
    let c = children.get(operation);
    if (!c) {
      c = {
        duration: duration.labels({ operation }),
        ok: operations.labels({ operation, outcome: 'ok' }),
        error: operations.labels({ operation, outcome: 'error' }),
      };
      if (children.size < 1_000) children.set(operation, c);
    }
    return c;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const err of errors) {
            if (hideSuggestions) err.message = err.message.replace(/ ?Did you mean .+\?$/, '');
            const trace = contextValue?.caller?.trace;
            if (err.originalError instanceof ConnectError || isUnexpected(err)) {
              const cause = err.originalError ?? err;
              logEdgeError(toEdgeError(cause), cause, trace?.requestId ?? '', logger, trace);
            } else if (logger.isLevelEnabled('debug')) {
              // A client's mistake (bad input, unknown field…): its request id finds it when a user reports it.
              logger.debug(
                { code: err.extensions?.['code'], reason: err.message, ...logFields(trace) },
                'request refused',
              );
            }
          }
        },
        async willSendResponse({ response, contextValue, operationName, errors }) {
          // What Apollo's cache-control plugin (disabled below) answered for a schema without hints.
          response.http.headers.set('cache-control', 'no-store');
          // Unnamed operations share one label, so label cardinality stays bounded.
          const operation = operationName && operationName.length <= 64 ? operationName : 'anonymous';
          const c = childrenOf(operation);
          c.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
          (errors?.length ? c.error : c.ok).inc();
          const requestId = contextValue?.caller?.trace.requestId;
          if (response.body.kind === 'single' && response.body.singleResult.errors && requestId) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId },
            }));
          }
        },
      };
    },
  };
}

/** Apollo with CSRF prevention, query limits (graphql-armor), no batching, masked errors, and no introspection or field suggestions unless GRAPHQL_INTROSPECTION=true. */
export function createApollo(
  config: GatewayConfig,
  metrics: Metrics,
  logger: Logger,
  tracing: Tracing,
): ApolloServer<GatewayContext> {
  // Off unless asked for: a public endpoint should not hand out its schema or guess field names for strangers.
  const introspection = config.GRAPHQL_INTROSPECTION;
  const armor = new ApolloArmor({
    maxDepth: { n: config.GRAPHQL_MAX_DEPTH },
    maxAliases: { n: config.GRAPHQL_MAX_ALIASES },
    // Tokens are limited by graphql-js's own parser (parseOptions below): armor's plugin re-parses in a hook,
    // which turns every syntax error into an HTTP 500.
    maxTokens: { enabled: false },
    costLimit: { maxCost: config.GRAPHQL_MAX_COST },
    maxDirectives: { n: 20 },
    // Suggestions are removed by observabilityPlugin.
    blockFieldSuggestion: { enabled: false },
  }).protect();
  const schema = createSchema();
  return new ApolloServer<GatewayContext>({
    schema,
    csrfPrevention: true,
    // The process owns shutdown (drain HTTP first, then Apollo); Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
    introspection,
    allowBatchedHttpRequests: false,
    // No automatic persisted queries: no client of ours sends them, and their cache is memory strangers could fill.
    persistedQueries: false,
    parseOptions: { maxTokens: config.GRAPHQL_MAX_TOKENS },
    includeStacktraceInErrorResponses: false,
    formatError,
    // Compact JSON: Apollo's default pretty-prints every response (measured in bench/README.md).
    stringifyResult: (result) => JSON.stringify(result),
    validationRules: armor.validationRules,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GatewayContext>[]),
      observabilityPlugin(metrics, logger, !introspection),
      tracingPlugin(tracing, schema),
      // No @cacheControl hints in the schema: the default plugin would only add a hook to every field.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
}
