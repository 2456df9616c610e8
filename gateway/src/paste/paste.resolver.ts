import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { Expiry, Visibility } from '@pastemesh/gen/paste';
import type { GraphQLResolveInfo } from 'graphql';
import { asCaller, recordView, traced, type GatewayContext } from '../graphql/context.js';
import { selectsField } from '../graphql/selection.js';
import { toPasteView, VISIBILITY_BY_NAME, type PasteView } from './paste.view.js';

const encoder = new TextEncoder();

interface CreatePasteInput {
  content: string;
  title?: string | null;
  language?: string | null;
  visibility?: PasteView['visibility'] | null;
  expiry?: keyof typeof Expiry | null;
  burnAfterRead?: boolean | null;
}

interface UpdatePasteInput {
  id: string;
  content: string;
  title?: string | null;
  language?: string | null;
  visibility?: PasteView['visibility'] | null;
}

/** NotFound from paste-svc means "no such paste for you": GraphQL answers null rather than an error. */
async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) return null;
    throw err;
  }
}

/** Reads one paste for the `paste` query: latest through the batching loader, other versions directly. */
async function loadPaste(ctx: GatewayContext, id: string, version: number | null | undefined): Promise<PasteView | null> {
  await ctx.services.limits.consume('read', [`ip:${ctx.caller.ip}`]);
  if (!version) return ctx.loaders.paste.load(id);
  const opts = asCaller(ctx.caller);
  const meta = await orNull(ctx.services.downstream.paste.getPaste({ id, version, withoutContent: true }, opts));
  if (!meta?.paste) return null;
  // Never burn through a query: burn-after-read content needs revealPaste.
  if (meta.paste.burnAfterRead) return toPasteView(meta.paste);
  const full = await orNull(ctx.services.downstream.paste.getPaste({ id, version }, opts));
  return full?.paste ? toPasteView(full.paste) : null;
}

/** The page of a connection, as Relay expects it; `after` takes `pageInfo.endCursor`. */
function connection(pastes: PasteView[], nextPageToken: string) {
  return {
    edges: pastes.map((node) => ({ cursor: node.id, node })),
    pageInfo: { hasNextPage: nextPageToken !== '', endCursor: nextPageToken || null },
  };
}

export const pasteResolvers = {
  Query: {
    paste: (_: unknown, args: { id: string; version?: number | null }, ctx: GatewayContext) => loadPaste(ctx, args.id, args.version),

    async pastes(_: unknown, args: { first: number; after?: string | null }, ctx: GatewayContext) {
      await ctx.services.limits.consume('read', [`ip:${ctx.caller.ip}`]);
      const res = await ctx.services.downstream.paste.listPastes({ pageSize: args.first, pageToken: args.after ?? '' }, asCaller(ctx.caller));
      return connection(res.pastes.map(toPasteView), res.nextPageToken);
    },

    async myPastes(_: unknown, args: { first: number; after?: string | null }, ctx: GatewayContext) {
      const me = requireSignedIn(ctx);
      const res = await ctx.services.downstream.paste.listPastes(
        { ownerId: me, pageSize: args.first, pageToken: args.after ?? '' },
        asCaller(ctx.caller),
      );
      return connection(res.pastes.map(toPasteView), res.nextPageToken);
    },

    async languages(_: unknown, __: unknown, ctx: GatewayContext) {
      const res = await ctx.services.downstream.paste.listLanguages({}, traced(ctx.caller));
      return res.languages.map((l) => ({ id: l.id, name: l.name }));
    },
  },

  Mutation: {
    async createPaste(_: unknown, { input }: { input: CreatePasteInput }, ctx: GatewayContext) {
      const { caller, limits, downstream } = { caller: ctx.caller, ...ctx.services };
      await limits.consume('create', [`ip:${caller.ip}`, ...(caller.principal ? [`user:${caller.principal.userId}`] : [])]);
      const res = await downstream.paste.createPaste(
        {
          content: encoder.encode(input.content),
          title: input.title ?? '',
          language: input.language ?? '',
          visibility: input.visibility ? VISIBILITY_BY_NAME[input.visibility] : Visibility.PUBLIC,
          expiry: input.expiry ? Expiry[input.expiry] : Expiry.UNSPECIFIED,
          burnAfterRead: input.burnAfterRead ?? false,
        },
        asCaller(caller),
      );
      return { paste: toPasteView(res.paste!), deleteToken: res.deleteToken || null };
    },

    async updatePaste(_: unknown, { input }: { input: UpdatePasteInput }, ctx: GatewayContext) {
      requireSignedIn(ctx);
      await ctx.services.limits.consume('create', [`user:${ctx.caller.principal!.userId}`]);
      const res = await ctx.services.downstream.paste.updatePaste(
        {
          id: input.id,
          content: encoder.encode(input.content),
          ...(input.title != null ? { title: input.title } : {}),
          ...(input.language != null ? { language: input.language } : {}),
          visibility: input.visibility ? VISIBILITY_BY_NAME[input.visibility] : Visibility.UNSPECIFIED,
        },
        asCaller(ctx.caller),
      );
      ctx.services.hotCache.invalidate(input.id);
      return toPasteView(res.paste!);
    },

    async deletePaste(_: unknown, args: { id: string; deleteToken?: string | null }, ctx: GatewayContext) {
      await ctx.services.downstream.paste.deletePaste({ id: args.id, deleteToken: args.deleteToken ?? '' }, asCaller(ctx.caller));
      ctx.services.hotCache.invalidate(args.id);
      return true;
    },

    async revealPaste(_: unknown, args: { id: string }, ctx: GatewayContext) {
      await ctx.services.limits.consume('read', [`ip:${ctx.caller.ip}`]);
      const res = await orNull(ctx.services.downstream.paste.getPaste({ id: args.id }, asCaller(ctx.caller)));
      if (!res?.paste) return null;
      const view = toPasteView(res.paste);
      if (view.burnAfterRead) ctx.services.hotCache.invalidate(view.id);
      return view;
    },
  },

  Paste: {
    async content(paste: PasteView, _: unknown, ctx: GatewayContext) {
      let content = paste.content;
      if (content === null) {
        if (paste.burnAfterRead) return null;
        const full = paste.version === paste.latestVersion ? await ctx.loaders.paste.load(paste.id) : null;
        content = full?.content ?? null;
      }
      if (content !== null && !ctx.viewed.has(paste.id)) {
        ctx.viewed.add(paste.id);
        recordView(ctx.services, ctx.caller, paste.id);
      }
      return content;
    },
    title: (p: PasteView) => p.title,
    async versions(paste: PasteView, _: unknown, ctx: GatewayContext) {
      const res = await ctx.services.downstream.paste.listPasteVersions({ id: paste.id }, asCaller(ctx.caller));
      return res.versions.map((v) => ({
        version: v.version,
        title: v.title || null,
        language: v.language,
        sizeBytes: Number(v.sizeBytes),
        sha256: v.sha256,
        createdAt: v.createTime ? timestampDate(v.createTime) : new Date(0),
      }));
    },
    author: (paste: PasteView, _: unknown, ctx: GatewayContext) => (paste.ownerId ? ctx.loaders.user.load(paste.ownerId) : null),
    // A listing shows totals: without viewsPerDay, analytics-svc skips 30 days per paste.
    stats: (paste: PasteView, _: unknown, ctx: GatewayContext, info: GraphQLResolveInfo) =>
      (selectsField(info, 'viewsPerDay') ? ctx.loaders.stats : ctx.loaders.statsTotals).load(paste.id),
    url: (paste: PasteView, _: unknown, ctx: GatewayContext) => `${ctx.services.config.PUBLIC_URL}/p/${paste.id}`,
    rawUrl: (paste: PasteView, _: unknown, ctx: GatewayContext) => `${ctx.services.config.PUBLIC_URL}/raw/${paste.id}`,
  },
};

/** The signed-in user's id; UNAUTHENTICATED otherwise. */
export function requireSignedIn(ctx: GatewayContext): string {
  const principal = ctx.caller.principal;
  if (!principal) throw new ConnectError('sign in first: this needs a bearer token or API key', Code.Unauthenticated);
  return principal.userId;
}
