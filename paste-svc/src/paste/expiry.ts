import { Expiry } from '@pastemesh/gen/paste';

/** The operator-facing names of expiries (ALLOWED_EXPIRIES, DEFAULT_EXPIRY, MAX_EXPIRY), shortest first. */
export const EXPIRY_NAMES = ['10m', '1h', '1d', '1w', '1mo', '1y', 'never'] as const;
export type ExpiryName = (typeof EXPIRY_NAMES)[number];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Each expiry's enum value and lifetime in ms (undefined: never expires). */
export const EXPIRIES: Record<ExpiryName, { value: Expiry; ms: number | undefined }> = {
  '10m': { value: Expiry.TEN_MINUTES, ms: 10 * MINUTE },
  '1h': { value: Expiry.ONE_HOUR, ms: 60 * MINUTE },
  '1d': { value: Expiry.ONE_DAY, ms: DAY },
  '1w': { value: Expiry.ONE_WEEK, ms: 7 * DAY },
  '1mo': { value: Expiry.ONE_MONTH, ms: 30 * DAY },
  '1y': { value: Expiry.ONE_YEAR, ms: 365 * DAY },
  never: { value: Expiry.NEVER, ms: undefined },
};

/** The name of an enum value, or undefined for UNSPECIFIED and unknown numbers. */
export function expiryName(value: Expiry): ExpiryName | undefined {
  return EXPIRY_NAMES.find((name) => EXPIRIES[name].value === value);
}

/** Orders expiries by lifetime, with never as the longest. */
export function expiryRank(name: ExpiryName): number {
  return EXPIRY_NAMES.indexOf(name);
}
