import { bearer, type Principal } from '@pastemesh/kit/auth';
import { callOptions, contextFromHeaders, type RequestContext } from '@pastemesh/kit/rpc';
import type { GatewayServices } from '../services.js';

/** Who is asking and from where, read once from the HTTP request whatever the protocol on top. */
export interface Caller {
  /** Request id and trace headers: forwarded on every downstream call made for this request. */
  trace: RequestContext;
  ip: string;
  userAgent: string;
  referrerHost: string;
  principal: Principal | undefined;
  /** The JWT to forward (an API key is exchanged for one by the authenticator). */
  token: string | undefined;
}

/** What identifying a caller needs of an HTTP request (Fastify's request has it). */
export interface IncomingRequest {
  /** The request id: the inbound x-request-id, or one Fastify minted. */
  id: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  /** The trace context the HTTP edge began (request-trace.ts); read from the headers when absent. */
  trace?: RequestContext;
}

const header = (req: IncomingRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Verifies the caller's credential, if any, and reads IP, user agent and referrer. A bad, expired or revoked
 * credential throws the authenticator's Unauthenticated error (each edge answers it: 401 with
 * WWW-Authenticate, or UNAUTHENTICATED), never an anonymous caller: a client that sent a credential meant it.
 */
export async function identifyCaller(services: GatewayServices, req: IncomingRequest): Promise<Caller> {
  const credential = bearer(header(req, 'authorization'));
  const principal = credential ? await services.authenticator.verify(credential) : undefined;
  let referrerHost = '';
  const referer = header(req, 'referer');
  if (referer) {
    try {
      referrerHost = new URL(referer).host.slice(0, 255);
    } catch {
      // an unparsable Referer is simply not recorded
    }
  }
  return {
    trace: req.trace ?? contextFromHeaders((name) => (name === 'x-request-id' ? req.id : header(req, name))),
    ip: req.ip,
    userAgent: header(req, 'user-agent') ?? '',
    referrerHost,
    principal,
    token: principal?.accessToken,
  };
}

/** Options for a downstream call made on the caller's behalf: its credential and its trace. */
export function asCaller(caller: Caller) {
  return callOptions({ trace: caller.trace, token: caller.token });
}

/** Options for a downstream call made for the request but not as the caller (public data, logins). */
export function traced(caller: Caller) {
  return callOptions({ trace: caller.trace });
}

/** The rate-limit keys of a caller: its IP, and its user when signed in (an API key acts as its user). */
export function limitKeys(caller: Caller): string[] {
  return caller.principal ? [`ip:${caller.ip}`, `user:${caller.principal.userId}`] : [`ip:${caller.ip}`];
}
