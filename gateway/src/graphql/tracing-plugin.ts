import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { createContextValues } from '@connectrpc/connect';
import { requestContextKey, type RequestContext } from '@pastemesh/kit/rpc';
import { SpanKind, recordFailure, trace, type Tracing } from '@pastemesh/kit/observability';
import type { GatewayContext } from './context.js';

/**
 * Spans for GraphQL: one per operation (`query pastePage`), under the HTTP request's span, and one per field
 * that has a resolver of ours (`Query.paste`, `Paste.stats`) and ran for at least FIELD_SPAN_MIN_MS or failed,
 * under the operation; fields read off their parent object get none. The operation becomes the request's current
 * span, so the gRPC calls its resolvers and loaders make are its children (never a field's, so a field's span
 * can be opened after the fact, at the time it started). Only sampled operations pay for any of it: Apollo calls
 * the per-field hook only when a listener asks for it.
 *
 * Which fields have a resolver of ours is read from `schema` here, before the first request: once a listener asks
 * for the per-field hook, Apollo wraps every field of the schema in a resolver of its own, so a field's `resolve`
 * no longer tells ours from graphql's default (every `DailyCount.day` of a paste's 30 days got a span).
 */
/**
 * A field's span is recorded when its resolver took this long: long enough to have waited on a service (a gRPC
 * call costs the gateway 100-200 µs of CPU alone), while one answered from memory (the hot cache, its parent
 * object) takes a few µs. On a hot read, the two resolver spans it would have had were half of what a sampled
 * read recorded, and the 10% sampled setting cost 0.75-0.80x throughput (bench/README "Tracing cost").
 */
export const FIELD_SPAN_MIN_MS = 0.1;

export function tracingPlugin(
  tracing: Tracing,
  schema: GraphQLSchema,
  // Milliseconds, as performance.now(); tests pass a clock of their own.
  clock: { now(): number; timeOrigin: number } = performance,
): ApolloServerPlugin<GatewayContext> {
  const resolved = fieldsWithResolvers(schema);
  return {
    async requestDidStart({ contextValue }) {
      const caller = contextValue?.caller;
      const edge = caller?.trace;
      if (tracing.mode !== 'recording' || !edge?.otel || !edge.sampled) return;
      const span = tracing.startSpan('graphql', SpanKind.INTERNAL, edge.otel);
      const otel = trace.setSpan(edge.otel, span);
      const headers: Record<string, string> = { 'x-request-id': edge.requestId };
      tracing.inject(otel, headers);
      // Calls made for this operation (loaders are built lazily, during execution) name it as their parent.
      const operationTrace: RequestContext = {
        ...edge,
        spanId: span.spanContext().spanId,
        otel,
        traceHeaders: headers,
        span,
      };
      operationTrace.values = createContextValues().set(requestContextKey, operationTrace);
      caller.trace = operationTrace;
      return {
        async didResolveOperation({ operation, operationName }) {
          const kind = operation?.operation ?? 'query';
          span.updateName(operationName ? `${kind} ${operationName}` : kind);
          span.setAttribute('graphql.operation.type', kind);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              const name = `${info.parentType.name}.${info.fieldName}`;
              if (!resolved.has(name)) return undefined;
              const started = clock.now();
              return (error) => {
                if (!error && clock.now() - started < FIELD_SPAN_MIN_MS) return;
                const field = tracing.startSpan(
                  name,
                  SpanKind.INTERNAL,
                  otel,
                  { 'graphql.field.name': info.fieldName, 'graphql.field.path': pathOf(info.path) },
                  undefined,
                  clock.timeOrigin + started,
                );
                if (error) recordFailure(field, error);
                field.end();
              };
            },
          };
        },
        async didEncounterErrors({ errors }) {
          recordFailure(span, errors[0], errors[0]?.extensions?.['code'] as string | undefined);
        },
        async willSendResponse() {
          span.end();
        },
      };
    },
  };
}

/** `Type.field` of every object field that has a resolver of its own (read before Apollo wraps them all). */
function fieldsWithResolvers(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) if (field.resolve) names.add(`${type.name}.${field.name}`);
  }
  return names;
}

function pathOf(path: { prev: unknown; key: string | number } | undefined): string {
  const parts: (string | number)[] = [];
  for (let p = path; p; p = p.prev as typeof path) parts.unshift(p.key);
  return parts.join('.');
}
