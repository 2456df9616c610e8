import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Code, Reason, appError, type Redis } from '@pastemesh/kit';

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

/** Counts failed sign-ins and registrations; throws RATE_LIMITED (with retryAfterSeconds) when blocked. */
export interface LoginLimiter {
  /** Throws when this email+IP or this IP is blocked. */
  check(email: string, ip: string): Promise<void>;
  recordFailure(email: string, ip: string): Promise<void>;
  /** A success clears the consecutive count for this email+IP. */
  recordSuccess(email: string, ip: string): Promise<void>;
  /** Counts one registration from `ip`; throws when over the limit. */
  consumeRegistration(ip: string): Promise<void>;
}

// On Redis each limiter shares state across replicas; if Redis fails, an in-memory twin
// (rate-limiter-flexible's insuranceLimiter) takes over per process until it is back.
function limiter(redis: Redis | undefined, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true });
}

function blocked(res: RateLimiterRes | null, max: number): number | undefined {
  if (!res || res.consumedPoints < max) return undefined;
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function rateLimited(what: string, retryAfterSeconds: number) {
  return appError(Code.ResourceExhausted, Reason.RATE_LIMITED, `${what}; retry in ${retryAfterSeconds} seconds`, { retryAfterSeconds });
}

/** Builds the limiter on Redis (with the in-memory fallback) or, without Redis, in memory. */
export function createLoginLimiter(redis: Redis | undefined, limits: LoginLimits, prefix = 'pm:auth'): LoginLimiter {
  const byEmailIp = limiter(redis, `${prefix}:login-fail:email-ip`, limits.maxFailuresPerEmailIp, limits.failureWindowSeconds);
  const byIp = limiter(redis, `${prefix}:login-fail:ip`, limits.maxFailuresPerIp, limits.failureWindowSeconds);
  const registrations = limiter(redis, `${prefix}:register:ip`, limits.registerMaxPerIp, limits.registerWindowSeconds);
  const emailIpKey = (email: string, ip: string) => `${email}|${ip}`;

  // penalty() never rejects; a count that reaches the maximum turns into an explicit block.
  async function fail(l: RateLimiterAbstract, key: string, max: number, blockSeconds: number) {
    const res = await l.penalty(key);
    if (res.consumedPoints >= max) await l.block(key, blockSeconds);
  }

  return {
    async check(email, ip) {
      const [pair, perIp] = await Promise.all([byEmailIp.get(emailIpKey(email, ip)), byIp.get(ip)]);
      const ipWait = blocked(perIp, limits.maxFailuresPerIp);
      if (ipWait) throw rateLimited('too many failed sign-ins from this address', ipWait);
      const pairWait = blocked(pair, limits.maxFailuresPerEmailIp);
      if (pairWait) throw rateLimited('too many failed sign-ins for this account from this address', pairWait);
    },
    async recordFailure(email, ip) {
      await Promise.all([
        fail(byEmailIp, emailIpKey(email, ip), limits.maxFailuresPerEmailIp, limits.blockSeconds),
        fail(byIp, ip, limits.maxFailuresPerIp, limits.ipBlockSeconds),
      ]);
    },
    async recordSuccess(email, ip) {
      await byEmailIp.delete(emailIpKey(email, ip));
    },
    async consumeRegistration(ip) {
      try {
        await registrations.consume(ip);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw rateLimited('too many registrations from this address', Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
        throw err;
      }
    },
  };
}
