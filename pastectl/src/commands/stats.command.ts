import { TopWindow } from '@pastemesh/gen/analytics';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CommandContext, CommandResult } from '../context.js';
import { fields, isoOrNull, printable, sparkline, table, when } from '../output/format.js';

function parseWindow(value: string | undefined): TopWindow {
  if (value === undefined) return TopWindow.DAY;
  const w = TopWindow[value.toUpperCase() as keyof typeof TopWindow];
  if (w === undefined || w === TopWindow.UNSPECIFIED)
    throw CliError.usage(`--window: day, week or month (got "${value}")`);
  return w;
}

/** `stats top`: the ranking from analytics-svc, with titles from paste-svc when it answers. */
export async function statsTop(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  if (args.length > 0) throw CliError.usage('usage: pastectl stats top [--window day|week|month] [--limit N]');
  const window = parseWindow(ctx.flags.window);
  const limit = intFlag('limit', ctx.flags.limit, 10, 100);
  const res = await ctx.analytics.topPastes({ window, limit });
  const titles = new Map<string, string>();
  if (res.pastes.length > 0) {
    try {
      const batch = await ctx.paste.batchGetPastes({ ids: res.pastes.map((p) => p.pasteId) });
      for (const p of batch.pastes) titles.set(p.id, p.title);
    } catch {
      // Titles are a nicety: the ranking stands without paste-svc.
    }
  }
  const windowName = TopWindow[window]!.toLowerCase();
  const ranked = res.pastes.map((p, i) => ({
    rank: i + 1,
    pasteId: p.pasteId,
    views: Number(p.views),
    title: titles.get(p.pasteId) ?? null,
  }));
  const text =
    ranked.length === 0
      ? `No views counted in the last ${windowName}.\n`
      : table(
          ['#', 'VIEWS', 'PASTE', 'TITLE'],
          ranked.map((r) => [
            String(r.rank),
            String(r.views),
            r.pasteId,
            r.title === null ? '' : printable(r.title) || '(untitled)',
          ]),
        );
  return { json: { window: TopWindow[window], pastes: ranked }, text };
}

/** `stats paste ID`. */
export async function statsPaste(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  const id = args[0];
  if (!id || args.length > 1) throw CliError.usage('usage: pastectl stats paste ID');
  const s = (await ctx.analytics.getPasteStats({ pasteId: id })).stats!;
  const days = s.viewsPerDay.map((d) => ({ day: d.day, count: Number(d.count) }));
  const text = fields([
    ['paste', s.pasteId],
    ['total views', String(s.totalViews)],
    ['unique viewers', String(s.uniqueViewers)],
    ['last view', when(s.lastViewTime)],
    [
      `last ${days.length} days`,
      days.length ? `${sparkline(days.map((d) => d.count))}  (${days[0]!.day} … ${days[days.length - 1]!.day})` : '-',
    ],
  ]);
  return {
    json: {
      pasteId: s.pasteId,
      totalViews: Number(s.totalViews),
      uniqueViewers: Number(s.uniqueViewers),
      lastViewTime: isoOrNull(s.lastViewTime),
      viewsPerDay: days,
    },
    text,
  };
}
