import { invalidArgument } from '@pastemesh/kit/rpc';

/** Limits the contract states; messages name the field and the limit. */
export const LIMITS = Object.freeze({
  emailMax: 254,
  emailLocalMax: 64,
  passwordMin: 8,
  passwordMax: 128,
  displayNameMax: 64,
  apiKeyNameMax: 64,
  batchGetMax: 500,
  /** User and API-key ids are UUIDs (36); anything past 64 is not an id. */
  idMax: 64,
});

// Pragmatic shape check (RFC 5321 lengths, one @, a dotted domain, no spaces or control characters);
// real proof of ownership would be a confirmation mail.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}.]{2,}$/u;
const CONTROL = /\p{Cc}/u;

/** Code points, which is what people (and MySQL's varchar) count as characters. */
export function charCount(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Trims, NFC-normalises and lower-cases an email, so one address has one account. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Returns the normalised email or throws INVALID_ARGUMENT naming `field`. */
export function validEmail(raw: string, field = 'email'): string {
  const email = normaliseEmail(raw);
  if (email.length === 0) throw invalidArgument(field, `${field}: required`);
  const length = charCount(email);
  if (length > LIMITS.emailMax)
    throw invalidArgument(field, `${field}: at most ${LIMITS.emailMax} characters (got ${length})`, LIMITS.emailMax);
  const local = email.slice(0, email.lastIndexOf('@'));
  if (
    !EMAIL.test(email) ||
    charCount(local) > LIMITS.emailLocalMax ||
    email.includes('..') ||
    /^\.|\.@|@[.-]/.test(email)
  ) {
    throw invalidArgument(field, `${field}: not a valid email address`);
  }
  return email;
}

/** Checks a new password's length (8 to 128 characters); anything else is the owner's choice. */
export function validNewPassword(password: string, field = 'password'): string {
  const length = charCount(password);
  if (length < LIMITS.passwordMin)
    throw invalidArgument(
      field,
      `${field}: at least ${LIMITS.passwordMin} characters (got ${length})`,
      LIMITS.passwordMin,
    );
  if (length > LIMITS.passwordMax)
    throw invalidArgument(
      field,
      `${field}: at most ${LIMITS.passwordMax} characters (got ${length})`,
      LIMITS.passwordMax,
    );
  return password;
}

/** A password offered at sign-in: never longer than any we accept, so a huge one costs nothing to reject. */
export function presentedPassword(password: string, field = 'password'): string {
  if (password.length === 0) throw invalidArgument(field, `${field}: required`);
  const length = charCount(password);
  if (length > LIMITS.passwordMax)
    throw invalidArgument(
      field,
      `${field}: at most ${LIMITS.passwordMax} characters (got ${length})`,
      LIMITS.passwordMax,
    );
  return password;
}

/** A trimmed label of 1 to `max` characters without control characters (display names, key names). */
export function validLabel(raw: string, field: string, max: number): string {
  const value = raw.trim().normalize('NFC');
  const length = charCount(value);
  if (length === 0) throw invalidArgument(field, `${field}: required (1 to ${max} characters)`);
  if (length > max) throw invalidArgument(field, `${field}: at most ${max} characters (got ${length})`, max);
  if (CONTROL.test(value)) throw invalidArgument(field, `${field}: must not contain control characters`);
  return value;
}

/** A required id of at most 64 characters, e.g. `id: at most 64 characters (got 65)`. */
export function validId(raw: string, field = 'id'): string {
  if (raw.length === 0) throw invalidArgument(field, `${field}: required`);
  const length = charCount(raw);
  if (length > LIMITS.idMax)
    throw invalidArgument(field, `${field}: at most ${LIMITS.idMax} characters (got ${length})`, LIMITS.idMax);
  return raw;
}
