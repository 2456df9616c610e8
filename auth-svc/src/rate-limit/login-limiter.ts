import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import { type Redis } from '@pastemesh/kit/storage';

/** Brute-force limits; the defaults follow rate-limiter-flexible's login-protection recipe. */
export interface LoginLimits {
  /** Consecutive failures per email+IP before a block. */
  maxFailuresPerEmailIp: number;
  blockSeconds: number;
  /** Failures per IP (any email) before a block. */
  maxFailuresPerIp: number;
  ipBlockSeconds: number;
  /** Failures older than this are forgotten. */
  failureWindowSeconds: number;
  /** Registrations per IP per window. */
  registerMaxPerIp: number;
  registerWindowSeconds: number;
}

/**
 * Counts sign-in attempts and registrations; throws RATE_LIMITED (with
 * retryAfterSeconds) when blocked. An attempt is taken before the password is
 * checked and given back when it was right, so parallel guesses cannot all read
 * "no failures yet": of N at once with a limit of L, at most L reach the hasher.
 */
export interface LoginLimiter {
  /** Takes one attempt for this email+IP and for this IP; throws when either is used up or blocked. */
  consumeAttempt(email: string, ip: string): Promise<void>;
  /** The password was right: clears this email+IP's consecutive count and gives the IP its point back. */
  recordSuccess(email: string, ip: string): Promise<void>;
  /** Counts one registration from `ip`; throws when over the limit. */
  consumeRegistration(ip: string): Promise<void>;
}

// On Redis each limiter shares state across replicas; if Redis fails, an in-memory twin
// (rate-limiter-flexible's insuranceLimiter) takes over per process until it is back.
// Going over `points` blocks the key for `blockDuration` seconds (0: only until the window ends).
function limiter(
  redis: Redis | undefined,
  keyPrefix: string,
  points: number,
  duration: number,
  blockDuration = 0,
): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration, blockDuration });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    blockDuration,
    insuranceLimiter: memory,
    rejectIfRedisNotReady: true,
  });
}

function rateLimited(what: string, msBeforeNext: number) {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return appError(Code.ResourceExhausted, Reason.RATE_LIMITED, `${what}; retry in ${retryAfterSeconds} seconds`, {
    retryAfterSeconds,
  });
}

// consume() is atomic (Redis INCR or one in-process counter) and rejects with a RateLimiterRes once over the limit.
async function take(l: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await l.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw rateLimited(what, err.msBeforeNext);
    throw err;
  }
}

/** Builds the limiter on Redis (with the in-memory fallback) or, without Redis, in memory. */
export function createLoginLimiter(redis: Redis | undefined, limits: LoginLimits, prefix = 'pm:auth'): LoginLimiter {
  const window = limits.failureWindowSeconds;
  const byEmailIp = limiter(
    redis,
    `${prefix}:login-fail:email-ip`,
    limits.maxFailuresPerEmailIp,
    window,
    limits.blockSeconds,
  );
  const byIp = limiter(redis, `${prefix}:login-fail:ip`, limits.maxFailuresPerIp, window, limits.ipBlockSeconds);
  const registrations = limiter(redis, `${prefix}:register:ip`, limits.registerMaxPerIp, limits.registerWindowSeconds);
  const emailIpKey = (email: string, ip: string) => `${email}|${ip}`;

  return {
    async consumeAttempt(email, ip) {
      const pair = emailIpKey(email, ip);
      await take(byEmailIp, pair, 'too many failed sign-ins for this account from this address');
      try {
        await take(byIp, ip, 'too many failed sign-ins from this address');
      } catch (err) {
        // Refused before any password check: it must not count against the account.
        await byEmailIp.reward(pair).catch(() => {});
        throw err;
      }
    },
    async recordSuccess(email, ip) {
      await Promise.all([byEmailIp.delete(emailIpKey(email, ip)), byIp.reward(ip)]);
    },
    async consumeRegistration(ip) {
      await take(registrations, ip, 'too many registrations from this address');
    },
  };
}
