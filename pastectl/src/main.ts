import { checkFlags, parseCommandLine } from './args.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createContext, type CommandContext, type CommandResult } from './context.js';
import { ExitCode } from './exit-codes.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { health } from './commands/health.command.js';
import { pasteCreate, pasteDelete, pasteGet, pasteList } from './commands/paste.command.js';
import { statsPaste, statsTop } from './commands/stats.command.js';
import { userMakeAdmin } from './commands/user.command.js';

export { processIo, type CliIo } from './cli-io.js';
export { ExitCode } from './exit-codes.js';

type Command = (ctx: CommandContext, args: string[]) => Promise<CommandResult>;

const COMMANDS: Record<string, Command> = {
  'paste get': pasteGet,
  'paste create': pasteCreate,
  'paste delete': pasteDelete,
  'paste list': pasteList,
  'stats top': statsTop,
  'stats paste': statsPaste,
  'user make-admin': userMakeAdmin,
  health,
};

/** Finds the command named by the first one or two words. */
function resolve(words: string[]): { name: string; args: string[] } | { group: string } | undefined {
  const two = words.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { name: two, args: words.slice(2) };
  if (words[0] && COMMANDS[words[0]]) return { name: words[0], args: words.slice(1) };
  if (words[0] && COMMAND_HELP[words[0]]) return { group: words[0] };
  return undefined;
}

/**
 * Runs one command line and returns the exit status. Never throws and never
 * calls process.exit, so tests run it in-process and the binary just sets
 * process.exitCode.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  let ctx: ReturnType<typeof createContext> | undefined;
  try {
    const { words, flags } = parseCommandLine(argv);
    json = flags.json === true;
    // "pastectl help paste get" works like "pastectl paste get --help".
    const help = flags.help === true || words[0] === 'help';
    const target = resolve(words[0] === 'help' ? words.slice(1) : words);
    if (words.length === 0 || (help && !target)) {
      io.stdout.write(MAIN_HELP);
      return words.length === 0 && !help ? ExitCode.USAGE : ExitCode.OK;
    }
    if (!target) throw CliError.usage(`unknown command "${words.slice(0, 2).join(' ')}" (see pastectl --help)`);
    if ('group' in target) {
      if (!help && words.length > 1)
        throw CliError.usage(`unknown command "${words.slice(0, 2).join(' ')}" (see pastectl ${target.group} --help)`);
      io.stdout.write(COMMAND_HELP[target.group]!);
      return help ? ExitCode.OK : ExitCode.USAGE;
    }
    if (help) {
      io.stdout.write(COMMAND_HELP[target.name] ?? MAIN_HELP);
      return ExitCode.OK;
    }
    checkFlags(target.name, flags);
    ctx = createContext(io, flags);
    const result = await COMMANDS[target.name]!(ctx, target.args);
    if (json) io.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
    else io.stdout.write(result.text);
    return result.exitCode ?? ExitCode.OK;
  } catch (err) {
    ctx?.progress.done();
    const error =
      err instanceof CliError
        ? err
        : new CliError(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, ExitCode.FAILURE);
    if (json) io.stderr.write(`${JSON.stringify(error.toJSON())}\n`);
    else io.stderr.write(`pastectl: ${error.message}${describe(error)}\n`);
    return error.exitCode;
  } finally {
    ctx?.close();
  }
}

/** " (NOT_FOUND, PASTE_NOT_FOUND; retry in 7 s)" for people. */
function describe(error: CliError): string {
  const parts = [
    error.grpcCode,
    error.detail?.reason && error.detail.reason !== error.grpcCode ? error.detail.reason : undefined,
  ].filter(Boolean);
  if (error.detail?.retryAfterSeconds) parts.push(`retry in ${error.detail.retryAfterSeconds} s`);
  if (error.exitCode === ExitCode.AUTH && error.grpcCode === 'UNAUTHENTICATED')
    parts.push('pass --api-key or set PASTEMESH_API_KEY');
  return parts.length ? ` (${parts.join('; ')})` : '';
}
