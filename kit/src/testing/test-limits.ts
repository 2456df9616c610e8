/**
 * Rate limits for test stacks and the fault mesh: tests share one Redis and one client IP, so limits sit
 * far above any load. Suites that test a limit set it low themselves and send their own X-Forwarded-For.
 */
export const GENEROUS_TEST_LIMITS: Partial<Record<'auth' | 'paste' | 'analytics' | 'gateway', Record<string, string>>> =
  {
    gateway: {
      RATE_LIMIT_READS_PER_MIN: '1000000',
      RATE_LIMIT_CREATES_PER_MIN: '1000000',
      RATE_LIMIT_LOGINS_PER_MIN: '1000000',
      RATE_LIMIT_BAD_REQUESTS_PER_MIN: '1000000',
    },
    auth: { REGISTER_MAX_PER_IP: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000' },
  };
