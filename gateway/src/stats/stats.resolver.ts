import { TopWindow } from '@pastemesh/gen/analytics';
import type { Resolvers } from '../graphql/generated/resolvers.js';
import { limitKeys, traced } from '../request/caller.js';

export const statsResolvers: Resolvers = {
  Query: {
    async topPastes(_, args, ctx) {
      await ctx.services.limits.consume('read', limitKeys(ctx.caller));
      const res = await ctx.services.downstream.analytics.topPastes(
        { window: TopWindow[args.window], limit: args.limit },
        traced(ctx.caller),
      );
      const pastes = await ctx.loaders.paste.loadMany(res.pastes.map((p) => p.pasteId));
      // A ranked paste that was deleted or made private since is left out rather than failing the list.
      return res.pastes.flatMap((p, i) => {
        const paste = pastes[i];
        return paste && !(paste instanceof Error) ? [{ paste, views: Number(p.views) }] : [];
      });
    },
  },
};
