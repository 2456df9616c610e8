import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

/** Every flag pastectl knows; each command accepts the global ones plus its own (see COMMAND_FLAGS). */
const OPTIONS = {
  // global
  'api-key': { type: 'string' },
  'auth-addr': { type: 'string' },
  'paste-addr': { type: 'string' },
  'analytics-addr': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // commands
  version: { type: 'string' },
  meta: { type: 'boolean' },
  raw: { type: 'boolean' },
  reveal: { type: 'boolean' },
  title: { type: 'string' },
  language: { type: 'string' },
  visibility: { type: 'string' },
  expiry: { type: 'string' },
  'burn-after-read': { type: 'boolean' },
  'delete-token': { type: 'string' },
  'public-url': { type: 'string' },
  user: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  window: { type: 'string' },
  revoke: { type: 'boolean' },
} as const;

export const GLOBAL_FLAGS = [
  'api-key',
  'auth-addr',
  'paste-addr',
  'analytics-addr',
  'timeout',
  'json',
  'no-progress',
  'help',
] as const;

/** Flags each command accepts besides the global ones. */
export const COMMAND_FLAGS: Record<string, readonly string[]> = {
  'paste get': ['version', 'meta', 'raw', 'reveal'],
  'paste create': ['title', 'language', 'visibility', 'expiry', 'burn-after-read', 'public-url'],
  'paste delete': ['delete-token'],
  'paste list': ['user', 'limit', 'all'],
  'stats top': ['window', 'limit'],
  'stats paste': [],
  'user make-admin': ['revoke'],
  health: [],
};

export type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

/** A parsed command line: the words (command and arguments) and the flags. */
export interface ParsedArgs {
  words: string[];
  flags: Flags;
}

/** Parses argv; flags may come anywhere. Unknown flags are usage errors that name the flag. */
export function parseCommandLine(argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { words: positionals, flags: values as Flags };
  } catch (err) {
    throw CliError.usage(
      `${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')} (see pastectl --help)`,
    );
  }
}

/** Fails when a flag was given that `command` does not take. */
export function checkFlags(command: string, flags: Flags): void {
  const allowed = new Set<string>([...GLOBAL_FLAGS, ...(COMMAND_FLAGS[command] ?? [])]);
  for (const name of Object.keys(flags)) {
    if (!allowed.has(name)) throw CliError.usage(`${command}: unknown flag --${name} (see pastectl ${command} --help)`);
  }
}

/** A positive integer flag, or the default. */
export function intFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw CliError.usage(`--${name}: a whole number from 1 to ${max} (got "${value}")`);
  return n;
}
