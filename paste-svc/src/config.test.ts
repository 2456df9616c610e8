import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@pastemesh/kit/config';
import { loadPasteConfig } from './config.js';

describe('loadPasteConfig', () => {
  it('defaults to the documented ports, 1 MiB content, every expiry and one week', () => {
    const config = loadPasteConfig({});
    expect(config).toMatchObject({
      GRPC_PORT: 5002,
      CONNECT_PORT: 5102,
      ADMIN_PORT: 9002,
      MAX_CONTENT_BYTES: 1_048_576,
      DEFAULT_EXPIRY: '1w',
    });
    expect(config.ALLOWED_EXPIRIES).toEqual(['10m', '1h', '1d', '1w', '1mo', '1y', 'never']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('drops expiries longer than MAX_EXPIRY from the allowed set', () => {
    const config = loadPasteConfig({ ALLOWED_EXPIRIES: 'never, 1h,1d,1mo', MAX_EXPIRY: '1mo', DEFAULT_EXPIRY: '1d' });
    expect(config.ALLOWED_EXPIRIES).toEqual(['1h', '1d', '1mo']);
  });

  it('refuses a default expiry that is not allowed', () => {
    expect(() => loadPasteConfig({ ALLOWED_EXPIRIES: '10m,1h' })).toThrow(
      /DEFAULT_EXPIRY: 1w is not among the allowed expiries \(10m,1h\)/,
    );
  });

  it('reports every bad variable at once, by name', () => {
    try {
      loadPasteConfig({ MAX_CONTENT_BYTES: '99999999', ALLOWED_EXPIRIES: '2h', GRPC_PORT: 'x' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      expect(text).toMatch(/MAX_CONTENT_BYTES/);
      expect(text).toMatch(/ALLOWED_EXPIRIES/);
      expect(text).toMatch(/GRPC_PORT/);
    }
  });

  it('takes a read replica only with MYSQL_URL: without it (SQLite) MYSQL_REPLICA_URL is an error naming it', () => {
    expect(() => loadPasteConfig({ MYSQL_REPLICA_URL: 'mysql://root@replica:3306/' })).toThrow(
      /MYSQL_REPLICA_URL: needs MYSQL_URL/,
    );
    const config = loadPasteConfig({
      MYSQL_URL: 'mysql://root@primary:3306/',
      MYSQL_REPLICA_URL: 'mysql://root@replica:3306/',
    });
    expect(config).toMatchObject({ MYSQL_REPLICA_URL: 'mysql://root@replica:3306/', REPLICA_FRESHNESS_MS: 5_000 });
    expect(loadPasteConfig({}).MYSQL_REPLICA_URL).toBeUndefined();
  });
});
