import { describe, expect, it } from '@jest/globals';
import { etagListMatches, isNotModified, parseHttpDate } from './conditional-get.js';

const TAG = 'f'.repeat(64);
const MADE = new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 750));
const NOW = Date.UTC(2026, 0, 2);
const validators = { etag: TAG, lastModified: MADE };

describe('etagListMatches', () => {
  it('matches the tag strong or weak, alone or in a list, and *', () => {
    for (const header of [`"${TAG}"`, `W/"${TAG}"`, `"a", "b" ,W/"${TAG}"`, '*', ' * '])
      expect([header, etagListMatches(header, TAG)]).toEqual([header, true]);
  });

  it('does not match other tags, a bare tag without quotes, or garbage', () => {
    for (const header of ['', '""', '"x"', TAG, `"${TAG}`, `W/${TAG}`, `"${TAG}x"`, '**', '"*"', 'W/', '"'.repeat(9)])
      expect([header, etagListMatches(header, TAG)]).toEqual([header, false]);
  });

  it('reads a list of thousands of tags in linear time', () => {
    const header = `${Array.from({ length: 4000 }, (_, i) => `"${i}"`).join(', ')}, "${TAG}"`;
    expect(etagListMatches(header, TAG)).toBe(true);
    expect(etagListMatches('"'.repeat(16_000), TAG)).toBe(false);
    expect(etagListMatches('W/'.repeat(8_000), TAG)).toBe(false);
  });
});

describe('parseHttpDate', () => {
  it('reads the three HTTP-date forms', () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).not.toBeNull();
  });

  it('refuses what is not an HTTP-date', () => {
    for (const value of [
      '',
      '0',
      '-1',
      '2026-01-01',
      'now',
      'Sun, 99 Foo 1994 99:99:99 GMT',
      `Sun, ${'1'.repeat(100)}`,
    ])
      expect([value, parseHttpDate(value)]).toEqual([value, null]);
  });
});

describe('isNotModified', () => {
  it('answers 304 when If-None-Match names the current tag, and 200 when it names another', () => {
    expect(isNotModified({ ifNoneMatch: `"${TAG}"` }, validators, NOW)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"other"' }, validators, NOW)).toBe(false);
  });

  it('lets If-None-Match decide alone when both fields are sent', () => {
    const since = new Date(NOW).toUTCString();
    expect(isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: since }, validators, NOW)).toBe(false);
  });

  it('answers 304 to If-Modified-Since at or after the second the version was made', () => {
    const second = Math.floor(MADE.getTime() / 1000) * 1000;
    expect(isNotModified({ ifModifiedSince: new Date(second).toUTCString() }, validators, NOW)).toBe(true);
    expect(isNotModified({ ifModifiedSince: new Date(second + 3_600_000).toUTCString() }, validators, NOW)).toBe(true);
    expect(isNotModified({ ifModifiedSince: new Date(second - 1000).toUTCString() }, validators, NOW)).toBe(false);
  });

  it('ignores an If-Modified-Since that is garbage, in the future, or unusable without a date', () => {
    expect(isNotModified({ ifModifiedSince: 'yesterday' }, validators, NOW)).toBe(false);
    expect(isNotModified({ ifModifiedSince: new Date(NOW + 86_400_000).toUTCString() }, validators, NOW)).toBe(false);
    const since = new Date(NOW).toUTCString();
    expect(isNotModified({ ifModifiedSince: since }, { etag: TAG, lastModified: null }, NOW)).toBe(false);
    expect(isNotModified({}, validators, NOW)).toBe(false);
  });
});
