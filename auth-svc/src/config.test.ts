import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@pastemesh/kit/config';
import { loadAuthConfig } from './config.js';

describe('loadAuthConfig', () => {
  it('defaults to the documented ports, token lives and the argon2id floor', () => {
    const config = loadAuthConfig({});
    expect(config).toMatchObject({
      GRPC_PORT: 5001,
      CONNECT_PORT: 5101,
      ADMIN_PORT: 9001,
      JWT_ISSUER: 'pastemesh-auth',
      JWT_AUDIENCE: 'pastemesh',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      ARGON2_MEMORY_KIB: 19_456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
      LOGIN_MAX_FAILURES_PER_EMAIL_IP: 10,
      LOGIN_BLOCK_SECONDS: 3600,
    });
    expect(config.SQLITE_FILE).toMatch(/data\/auth-svc\.db$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses argon2 settings below the OWASP floor, naming every bad variable at once', () => {
    let error: unknown;
    try {
      loadAuthConfig({ ARGON2_MEMORY_KIB: '4096', ARGON2_ITERATIONS: '1', GRPC_PORT: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/ARGON2_MEMORY_KIB: must be at least 19456/);
    expect(problems).toMatch(/ARGON2_ITERATIONS: must be at least 2/);
    expect(problems).toMatch(/GRPC_PORT/);
  });

  it('normalises ADMIN_EMAILS and unescapes a one-line PEM key', () => {
    const config = loadAuthConfig({
      ADMIN_EMAILS: ' Boss@Example.com,, ops@example.com ',
      JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nMC4C\\n-----END PRIVATE KEY-----',
    });
    expect(config.ADMIN_EMAILS).toEqual(['boss@example.com', 'ops@example.com']);
    expect(config.JWT_PRIVATE_KEY).toBe('-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----');
  });

  it('keeps the token minted for an API key short: at most 15 minutes', () => {
    expect(loadAuthConfig({}).API_KEY_ACCESS_TOKEN_TTL_SECONDS).toBe(300);
    expect(() => loadAuthConfig({ API_KEY_ACCESS_TOKEN_TTL_SECONDS: '901' })).toThrow(
      /API_KEY_ACCESS_TOKEN_TTL_SECONDS: must be at most 900/,
    );
  });

  it('refuses a signing key that is neither PEM nor JWK', () => {
    expect(() => loadAuthConfig({ JWT_PRIVATE_KEY: 'hunter2' })).toThrow(/JWT_PRIVATE_KEY: must be a PKCS8 PEM/);
    expect(() => loadAuthConfig({ JWT_PREVIOUS_PUBLIC_KEYS: 'hunter2' })).toThrow(/JWT_PREVIOUS_PUBLIC_KEYS/);
  });
});
