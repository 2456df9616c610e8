import CircuitBreaker from 'opossum';
import { Code, ConnectError } from '@connectrpc/connect';

/** Codes that say analytics-svc is unhealthy: they trip the breaker and keep events for redelivery. */
export const OUTAGE_CODES: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Internal,
]);
/** Also worth retrying later, but not a sign of an unhealthy peer, so they do not trip the breaker. */
const TRANSIENT_CODES: ReadonlySet<Code> = new Set([Code.Unknown, Code.Aborted, Code.Canceled]);

/** True for the errors the breaker counts as failures (never a caller's mistake such as InvalidArgument). */
export function isOutage(err: unknown): boolean {
  return err instanceof ConnectError && OUTAGE_CODES.has(err.code);
}

/**
 * True when a delivery may succeed later: outages, transient codes, and the
 * breaker's own rejections (open, shut down). Anything else will never succeed.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ConnectError) return OUTAGE_CODES.has(err.code) || TRANSIENT_CODES.has(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EOPENBREAKER' || code === 'ESHUTDOWN';
}

/**
 * An opossum breaker around `action`: opens when at least half of the last 10 s
 * of calls (3 or more) failed with an outage code, then lets one trial call
 * through after `resetTimeoutMs`. No timeout of its own: the RPC deadline bounds each call.
 */
export function createDeliveryBreaker<A extends unknown[]>(
  name: string,
  action: (...args: A) => Promise<void>,
  resetTimeoutMs: number,
): CircuitBreaker<A, void> {
  return new CircuitBreaker(action, {
    name,
    timeout: false,
    resetTimeout: resetTimeoutMs,
    errorThresholdPercentage: 50,
    volumeThreshold: 3,
    rollingCountTimeout: 10_000,
    errorFilter: (err: unknown) => !isOutage(err),
  });
}
