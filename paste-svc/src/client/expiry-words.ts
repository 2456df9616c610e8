import { Expiry } from '@pastemesh/gen/paste';

/** The short expiry words operators and curl users write (ALLOWED_EXPIRIES, `?expiry=`, `pastectl --expiry`), shortest first. */
export const EXPIRY_NAMES = ['10m', '1h', '1d', '1w', '1mo', '1y', 'never'] as const;
export type ExpiryName = (typeof EXPIRY_NAMES)[number];

/** Each word's contract value. */
export const EXPIRY_BY_NAME: Readonly<Record<ExpiryName, Expiry>> = Object.freeze({
  '10m': Expiry.TEN_MINUTES,
  '1h': Expiry.ONE_HOUR,
  '1d': Expiry.ONE_DAY,
  '1w': Expiry.ONE_WEEK,
  '1mo': Expiry.ONE_MONTH,
  '1y': Expiry.ONE_YEAR,
  never: Expiry.NEVER,
});

/** Reads a word (`1d`) or an enum name (`ONE_DAY`, `one-day`); undefined if it is neither. */
export function parseExpiryWord(value: string): Expiry | undefined {
  const lower = value.toLowerCase();
  // Own keys only: "constructor", "__proto__" or a bare number must not reach the enum.
  if (Object.hasOwn(EXPIRY_BY_NAME, lower)) return EXPIRY_BY_NAME[lower as ExpiryName];
  const name = value.toUpperCase().replace(/-/g, '_');
  if (!/^[A-Z_]+$/.test(name) || !Object.hasOwn(Expiry, name)) return undefined;
  const named = Expiry[name as keyof typeof Expiry];
  return typeof named === 'number' && named !== Expiry.UNSPECIFIED ? named : undefined;
}
