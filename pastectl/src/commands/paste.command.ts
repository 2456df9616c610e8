import fs from 'node:fs/promises';
import { Expiry, Visibility, type Paste } from '@pastemesh/gen/paste';
// The kit's subpath, not its index: the CLI should not load database drivers to parse a flag.
import { EXPIRY_NAMES, parseExpiryWord } from '@pastemesh/paste-svc/client';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CommandContext, CommandResult } from '../context.js';
import { bytes, printable, table, when } from '../output/format.js';
import { pasteFields, pasteJson } from './paste-view.js';

function parseVisibility(value: string | undefined): Visibility {
  if (value === undefined) return Visibility.PUBLIC;
  const v = Visibility[value.toUpperCase() as keyof typeof Visibility];
  if (v === undefined || v === Visibility.UNSPECIFIED)
    throw CliError.usage(`--visibility: public, unlisted or private (got "${value}")`);
  return v;
}

function parseExpiry(value: string | undefined): Expiry {
  if (value === undefined) return Expiry.UNSPECIFIED;
  const e = parseExpiryWord(value);
  if (e === undefined) throw CliError.usage(`--expiry: one of ${EXPIRY_NAMES.join(', ')} (got "${value}")`);
  return e;
}

function requireId(args: string[], usage: string): string {
  const id = args[0];
  if (!id || args.length > 1) throw CliError.usage(`usage: ${usage}`);
  return id;
}

/**
 * `paste get ID`: one GetPaste, which never changes anything (a burn-after-read
 * paste comes back concealed), or with --reveal one RevealPaste, which reads the
 * latest version and deletes a burn-after-read paste.
 */
export async function pasteGet(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  const id = requireId(args, 'pastectl paste get ID [--version N] [--meta | --raw] [--reveal]');
  const { flags } = ctx;
  if (flags.meta && flags.raw) throw CliError.usage('--meta and --raw exclude each other');
  if (flags.raw && ctx.json) throw CliError.usage('--raw writes bytes; it cannot be combined with --json');
  if (flags.reveal && flags.meta) throw CliError.usage('--reveal reads the content; it cannot be combined with --meta');
  if (flags.reveal && flags.version !== undefined)
    throw CliError.usage('--reveal reads the latest version; it cannot be combined with --version');
  const version = flags.version === undefined ? 0 : intFlag('version', flags.version, 0);
  const paste = flags.reveal
    ? (await ctx.paste.revealPaste({ id })).paste!
    : (await ctx.paste.getPaste({ id, version, withoutContent: flags.meta === true })).paste!;
  const held = paste.contentConcealed;
  if (flags.raw && held)
    throw CliError.usage(
      `paste ${id} is burn-after-read: its content is concealed; add --reveal to read it (which deletes it)`,
    );
  if (flags.raw) return { json: null, text: paste.content };
  const note =
    held && !flags.meta
      ? 'burn-after-read: content concealed (reading it deletes the paste); add --reveal to read it\n'
      : '';
  let text = pasteFields(paste) + note;
  if (paste.contentIncluded) {
    const content = new TextDecoder().decode(paste.content);
    // Control characters could drive the terminal; --raw gives the exact bytes.
    text += `\n${ctx.io.stdout.isTTY ? printable(content.replace(/\r\n/g, '\n')) : content}${content.endsWith('\n') ? '' : '\n'}`;
  }
  return { json: { paste: pasteJson(paste), ...(held ? { contentWithheld: 'burn-after-read' } : {}) }, text };
}

/** `paste create [FILE|-]`. */
export async function pasteCreate(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  if (args.length > 1) throw CliError.usage('usage: pastectl paste create [FILE|-] [flags]');
  const file = args[0] ?? '-';
  const { flags, io } = ctx;
  let content: Uint8Array;
  if (file === '-') {
    if (io.stdinIsTTY)
      throw CliError.usage(
        'paste create: give a FILE, or pipe the content in (e.g. `cat notes.txt | pastectl paste create`)',
      );
    content = await io.readStdin();
  } else {
    try {
      content = await fs.readFile(file);
    } catch (err) {
      throw CliError.usage(`paste create: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const res = await ctx.paste.createPaste({
    content,
    title: flags.title ?? '',
    language: flags.language ?? '',
    visibility: parseVisibility(flags.visibility),
    expiry: parseExpiry(flags.expiry),
    burnAfterRead: flags['burn-after-read'] === true,
  });
  const p = res.paste!;
  const base = (flags['public-url'] ?? io.env['PASTEMESH_PUBLIC_URL'] ?? 'http://localhost:5000').replace(/\/+$/, '');
  const url = `${base}/p/${p.id}`;
  let text = `Created paste ${p.id} (${bytes(p.sizeBytes)}, ${Visibility[p.visibility]!.toLowerCase()}, expires ${p.expireTime ? when(p.expireTime) : 'never'})\n${url}\n`;
  if (res.deleteToken) text += `delete token (shown once): ${res.deleteToken}\n`;
  return { json: { paste: pasteJson(p), url, deleteToken: res.deleteToken || null }, text };
}

/** `paste delete ID`. */
export async function pasteDelete(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  const id = requireId(args, 'pastectl paste delete ID [--delete-token TOKEN]');
  await ctx.paste.deletePaste({ id, deleteToken: ctx.flags['delete-token'] ?? '' });
  return { json: { deleted: id }, text: `Deleted paste ${id}.\n` };
}

/** `paste list [--user ID|me] [--limit N | --all]`: pages through ListPastes. */
export async function pasteList(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  if (args.length > 0) throw CliError.usage('usage: pastectl paste list [--user ID|me] [--limit N | --all]');
  const { flags } = ctx;
  if (flags.all && flags.limit) throw CliError.usage('--all and --limit exclude each other');
  const wanted = flags.all ? Infinity : intFlag('limit', flags.limit, 20, 100_000);
  let ownerId = flags.user ?? '';
  if (ownerId === 'me') {
    const me = await ctx.auth.getCurrentUser({});
    ownerId = me.account!.user!.id;
  }
  const pastes: Paste[] = [];
  let pageToken = '';
  let pages = 0;
  try {
    do {
      const res = await ctx.paste.listPastes({ ownerId, pageSize: Math.min(100, wanted - pastes.length), pageToken });
      pastes.push(...res.pastes);
      pageToken = res.nextPageToken;
      pages += 1;
      ctx.progress.update(
        `fetched ${pastes.length} paste${pastes.length === 1 ? '' : 's'} (${pages} page${pages === 1 ? '' : 's'})…`,
      );
    } while (pageToken && pastes.length < wanted);
  } finally {
    ctx.progress.done();
  }
  const rows = pastes.map((p) => [
    p.id,
    when(p.createTime),
    Visibility[p.visibility]!.toLowerCase(),
    p.language,
    p.contentConcealed ? 'concealed' : bytes(p.sizeBytes),
    String(p.latestVersion),
    printable(p.title) || '(untitled)',
  ]);
  const who = ownerId ? `user ${ownerId}` : 'recent public pastes';
  const text =
    pastes.length === 0
      ? `No pastes (${who}).\n`
      : table(['ID', 'CREATED', 'VISIBILITY', 'LANGUAGE', 'SIZE', 'VER', 'TITLE'], rows) +
        `${pastes.length} paste${pastes.length === 1 ? '' : 's'} (${who})${pageToken ? '; more with --all' : ''}\n`;
  return { json: { ownerId: ownerId || null, pastes: pastes.map(pasteJson), nextPageToken: pageToken || null }, text };
}
