import type { Expiry } from '@pastemesh/gen/paste';
import { EXPIRY_BY_NAME, EXPIRY_NAMES, type ExpiryName } from '../client/index.js';

// The operator-facing names (ALLOWED_EXPIRIES, DEFAULT_EXPIRY, MAX_EXPIRY) are the kit's expiry words.
export { EXPIRY_NAMES, type ExpiryName };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Each expiry's enum value and lifetime in ms (undefined: never expires). */
export const EXPIRIES: Record<ExpiryName, { value: Expiry; ms: number | undefined }> = {
  '10m': { value: EXPIRY_BY_NAME['10m'], ms: 10 * MINUTE },
  '1h': { value: EXPIRY_BY_NAME['1h'], ms: 60 * MINUTE },
  '1d': { value: EXPIRY_BY_NAME['1d'], ms: DAY },
  '1w': { value: EXPIRY_BY_NAME['1w'], ms: 7 * DAY },
  '1mo': { value: EXPIRY_BY_NAME['1mo'], ms: 30 * DAY },
  '1y': { value: EXPIRY_BY_NAME['1y'], ms: 365 * DAY },
  never: { value: EXPIRY_BY_NAME.never, ms: undefined },
};

/** The name of an enum value, or undefined for UNSPECIFIED and unknown numbers. */
export function expiryName(value: Expiry): ExpiryName | undefined {
  return EXPIRY_NAMES.find((name) => EXPIRIES[name].value === value);
}

/** Orders expiries by lifetime, with never as the longest. */
export function expiryRank(name: ExpiryName): number {
  return EXPIRY_NAMES.indexOf(name);
}
