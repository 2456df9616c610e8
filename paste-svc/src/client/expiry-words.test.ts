import { describe, expect, it } from '@jest/globals';
import { Expiry } from '@pastemesh/gen/paste';
import { EXPIRY_NAMES, parseExpiryWord } from './expiry-words.js';

describe('expiry words', () => {
  it('reads every word and the enum names in any case', () => {
    expect(EXPIRY_NAMES.map(parseExpiryWord)).toEqual([
      Expiry.TEN_MINUTES,
      Expiry.ONE_HOUR,
      Expiry.ONE_DAY,
      Expiry.ONE_WEEK,
      Expiry.ONE_MONTH,
      Expiry.ONE_YEAR,
      Expiry.NEVER,
    ]);
    expect(parseExpiryWord('ONE_DAY')).toBe(Expiry.ONE_DAY);
    expect(parseExpiryWord('one-week')).toBe(Expiry.ONE_WEEK);
    expect(parseExpiryWord('1D')).toBe(Expiry.ONE_DAY);
  });

  it('refuses numbers, prototype keys, UNSPECIFIED and nonsense', () => {
    for (const bad of ['1', '7', '0', 'constructor', '__proto__', 'toString', 'UNSPECIFIED', 'forever', '', ' 1d']) {
      expect(parseExpiryWord(bad)).toBeUndefined();
    }
  });
});
