/**
 * What pastectl's exit status means; scripts may rely on these (README.md lists them).
 * gRPC codes map onto them in cli-error.ts.
 */
export const ExitCode = {
  /** It worked. */
  OK: 0,
  /** An unexpected error (a bug, or a service's INTERNAL/UNKNOWN error). */
  FAILURE: 1,
  /** Bad command line: unknown command or flag, missing argument. */
  USAGE: 2,
  /** The paste, user or version does not exist (NOT_FOUND). */
  NOT_FOUND: 3,
  /** No valid API key, or the key's user may not do this (UNAUTHENTICATED, PERMISSION_DENIED). */
  AUTH: 4,
  /** The service refused the input (INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE). */
  REJECTED: 5,
  /** A service could not be reached or did not answer in time (UNAVAILABLE, DEADLINE_EXCEEDED). */
  UNAVAILABLE: 6,
  /** Rate limited (RESOURCE_EXHAUSTED); retry later. */
  RATE_LIMITED: 7,
  /** `health`: at least one service is not SERVING. */
  UNHEALTHY: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
