import { Code, ConnectError } from '@connectrpc/connect';
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../graphql/context.js';
import { selectsField } from '../graphql/selection.js';
import { traced } from '../request/caller.js';
import {
  createPaste,
  deletePaste,
  listPastes,
  pasteContent,
  pasteUrls,
  pasteVersions,
  readPaste,
  revealPaste,
  updatePaste,
  type PastePage,
} from './paste.actions.js';
import type { PasteParams } from './paste.input.js';
import type { PasteView } from './paste.view.js';

/** NotFound means "no such paste for you": GraphQL answers null rather than an error. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return null;
    throw err;
  }
}

/** The page of a connection, as Relay expects it; `after` takes `pageInfo.endCursor` (null on the last page). */
function connection({ pastes, nextPageToken }: PastePage) {
  return {
    edges: pastes.map((node) => ({ cursor: node.id, node })),
    pageInfo: { hasNextPage: nextPageToken !== '', endCursor: nextPageToken || null },
  };
}

type PageArgs = { first: number; after?: string | null };

/** GraphQL's paste fields: each translates its arguments to one use case in paste.actions.ts. */
export const pasteResolvers = {
  Query: {
    paste: (_: unknown, args: { id: string; version?: number | null }, ctx: GatewayContext) => orNull(readPaste(ctx, args.id, args.version)),
    pastes: async (_: unknown, args: PageArgs, ctx: GatewayContext) => connection(await listPastes(ctx, args)),
    myPastes: async (_: unknown, args: PageArgs, ctx: GatewayContext) => connection(await listPastes(ctx, { ...args, mine: true })),
    async languages(_: unknown, __: unknown, ctx: GatewayContext) {
      const res = await ctx.services.downstream.paste.listLanguages({}, traced(ctx.caller));
      return res.languages.map((l) => ({ id: l.id, name: l.name }));
    },
  },

  Mutation: {
    createPaste: (_: unknown, { input }: { input: PasteParams }, ctx: GatewayContext) => createPaste(ctx, input),
    updatePaste: (_: unknown, { input }: { input: PasteParams & { id: string } }, ctx: GatewayContext) => updatePaste(ctx, input.id, input),
    async deletePaste(_: unknown, args: { id: string; deleteToken?: string | null }, ctx: GatewayContext) {
      await deletePaste(ctx, args.id, args.deleteToken);
      return true;
    },
    revealPaste: (_: unknown, args: { id: string }, ctx: GatewayContext) => orNull(revealPaste(ctx, args.id)),
  },

  Paste: {
    content: (paste: PasteView, _: unknown, ctx: GatewayContext) => pasteContent(ctx, paste),
    versions: (paste: PasteView, _: unknown, ctx: GatewayContext) => pasteVersions(ctx, paste),
    author: (paste: PasteView, _: unknown, ctx: GatewayContext) => (paste.ownerId ? ctx.loaders.user.load(paste.ownerId) : null),
    // A listing shows totals: without viewsPerDay, analytics-svc skips 30 days per paste.
    stats: (paste: PasteView, _: unknown, ctx: GatewayContext, info: GraphQLResolveInfo) =>
      (selectsField(info, 'viewsPerDay') ? ctx.loaders.stats : ctx.loaders.statsTotals).load(paste.id),
    url: (paste: PasteView, _: unknown, ctx: GatewayContext) => pasteUrls(ctx, paste).url,
    rawUrl: (paste: PasteView, _: unknown, ctx: GatewayContext) => pasteUrls(ctx, paste).rawUrl,
  },
};
