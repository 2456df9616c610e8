import CircuitBreaker from 'opossum';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import { gaugeOnce, type Logger, type Metrics } from '@pastemesh/kit/observability';
import { Reason, appError, isLocalFailure } from '@pastemesh/kit/rpc';

/** Codes that say the dependency is unhealthy; a caller's mistake (NotFound, InvalidArgument…) never trips a breaker. */
const UNHEALTHY = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Internal]);

/**
 * True when a failed call says the dependency is unhealthy, as the client transport saw it: the peer answered
 * one of the UNHEALTHY codes, or could not be reached in time. A request this process failed to build and a
 * reply larger than it accepts are failures on this side (isLocalFailure) and never count.
 */
export function countsAgainstHealth(err: unknown): boolean {
  return !isLocalFailure(err) && UNHEALTHY.has(ConnectError.from(err).code);
}

/** Breaker state as the gateway_breaker_state gauge reports it. */
export const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

export interface BreakerOptions {
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage?: number;
  /** How long it stays open before a trial call, in ms. */
  resetTimeoutMs?: number;
  /** Calls in the window before it may open. */
  volumeThreshold?: number;
}

/**
 * Wraps every method of a typed client in one opossum breaker for that
 * downstream service. While open, calls fail at once with Unavailable.
 */
export function guardClient<S extends DescService>(
  name: string,
  service: S,
  client: Client<S>,
  metrics: Metrics,
  logger: Logger,
  options: BreakerOptions = {},
): { client: Client<S>; breaker: CircuitBreaker } {
  const breaker = new CircuitBreaker(<T>(call: () => Promise<T>) => call(), {
    timeout: false, // every call already has a gRPC deadline
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    resetTimeout: options.resetTimeoutMs ?? 5_000,
    volumeThreshold: options.volumeThreshold ?? 10,
    rollingCountTimeout: 10_000,
    errorFilter: (err: unknown) => !countsAgainstHealth(err),
  });
  const gauge = gaugeOnce(metrics.registry, {
    name: 'gateway_breaker_state',
    help: 'Circuit breaker per downstream service: 0 closed, 1 half-open, 2 open',
    labelNames: ['service'],
  });
  gauge.set({ service: name }, BREAKER_STATE.closed);
  breaker.on('open', () => {
    gauge.set({ service: name }, BREAKER_STATE.open);
    logger.warn({ downstream: name }, 'circuit breaker open');
  });
  breaker.on('halfOpen', () => gauge.set({ service: name }, BREAKER_STATE.halfOpen));
  breaker.on('close', () => {
    gauge.set({ service: name }, BREAKER_STATE.closed);
    logger.info({ downstream: name }, 'circuit breaker closed');
  });

  const guarded: Record<string, unknown> = {};
  for (const method of service.methods) {
    const call = (client as Record<string, (req: unknown, opts?: unknown) => Promise<unknown>>)[method.localName]!;
    guarded[method.localName] = (req: unknown, opts?: unknown) =>
      breaker
        .fire(() => call(req, opts))
        .catch((err: unknown) => {
          if (isOpenBreakerError(err)) {
            throw appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, `${name} is unavailable (circuit open)`);
          }
          throw err;
        });
  }
  return { client: guarded as Client<S>, breaker };
}

function isOpenBreakerError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'EOPENBREAKER';
}
