import { Code, ConnectError } from '@connectrpc/connect';
import type { Resolvers } from '../graphql/generated/resolvers.js';
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

/** GraphQL's paste fields (types generated from schema.graphql): each translates its arguments to one use case in paste.actions.ts. */
export const pasteResolvers: Resolvers = {
  Query: {
    paste: (_, args, ctx) => orNull(readPaste(ctx, args.id, args.version)),
    pastes: async (_, args, ctx) => connection(await listPastes(ctx, args)),
    myPastes: async (_, args, ctx) => connection(await listPastes(ctx, { ...args, mine: true })),
    async languages(_, __, ctx) {
      const res = await ctx.services.downstream.paste.listLanguages({}, traced(ctx.caller));
      return res.languages.map((l) => ({ id: l.id, name: l.name }));
    },
  },

  Mutation: {
    createPaste: (_, { input }, ctx) => createPaste(ctx, input),
    updatePaste: (_, { input }, ctx) => updatePaste(ctx, input.id, input),
    async deletePaste(_, args, ctx) {
      await deletePaste(ctx, args.id, args.deleteToken);
      return true;
    },
    revealPaste: (_, args, ctx) => orNull(revealPaste(ctx, args.id)),
  },

  Paste: {
    content: (paste, _, ctx) => pasteContent(ctx, paste),
    versions: (paste, _, ctx) => pasteVersions(ctx, paste),
    author: (paste, _, ctx) => (paste.ownerId ? ctx.loaders.user.load(paste.ownerId) : null),
    // A listing shows totals: without viewsPerDay, analytics-svc skips 30 days per paste.
    stats: (paste, _, ctx, info) =>
      (selectsField(info, 'viewsPerDay') ? ctx.loaders.stats : ctx.loaders.statsTotals).load(paste.id),
    url: (paste, _, ctx) => pasteUrls(ctx, paste).url,
    rawUrl: (paste, _, ctx) => pasteUrls(ctx, paste).rawUrl,
  },
};
