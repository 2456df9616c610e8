import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { identifyCaller } from '../request/caller.js';
import { createRequestScope, type RequestScope } from '../request/scope.js';
import type { GatewayServices } from '../services.js';
import { logEdgeError, toEdgeError } from '../request/edge-error.js';

/** GraphQL's per-request context: the request scope every use case takes. */
export type GatewayContext = RequestScope;

/**
 * Apollo's context function. A credential that fails verification ends the request before any resolver
 * runs, as HTTP 401 with WWW-Authenticate (or 503 while keys cannot be checked), in the one error shape.
 */
export function graphqlContext(services: GatewayServices) {
  return async (req: FastifyRequest): Promise<GatewayContext> => {
    try {
      return createRequestScope(services, await identifyCaller(services, req));
    } catch (err) {
      const edge = toEdgeError(err);
      logEdgeError(edge, err, String(req.id), services.logger);
      const headers = new Map<string, string>(edge.wwwAuthenticate ? [['www-authenticate', edge.wwwAuthenticate]] : []);
      throw new GraphQLError(edge.message, {
        extensions: { ...edge.extensions, requestId: String(req.id), http: { status: edge.status, headers } },
      });
    }
  };
}
