import type { HandlerContext } from '@connectrpc/connect';
import { invalidArgument } from '@pastemesh/kit/rpc';

/** Callers that give no address share this rate-limit bucket. */
export const UNKNOWN_IP = 'unknown';

/**
 * The end user's address for rate limits: the request's `client_ip` (set by the
 * gateway), else the first `x-forwarded-for` hop, else `x-real-ip`, else
 * "unknown" (the kit's handler context does not expose the TCP peer). These are
 * caller-supplied: only trusted callers (the gateway, via mesh policy) should reach auth-svc.
 */
export function clientIpOf(requestIp: string, ctx: HandlerContext): string {
  const given = requestIp.trim();
  if (given.length > 64)
    throw invalidArgument('client_ip', `client_ip: at most 64 characters (got ${given.length})`, 64);
  if (given) return given;
  const forwarded = ctx.requestHeader.get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || ctx.requestHeader.get('x-real-ip')?.trim() || UNKNOWN_IP;
  return address.slice(0, 64);
}
