import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Role, type Account, type ApiKey, type TokenPair } from '@pastemesh/gen/auth';
import type { Resolvers } from '../graphql/generated/resolvers.js';
import { asCaller, limitKeys, traced } from '../request/caller.js';
import { requireSignedIn } from '../paste/paste.actions.js';
import { toUserView } from '../user/user.loader.js';

/** An optional instant (unset: null). */
const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : null);
/** An instant the contract always sets (the epoch if a service ever left it out, rather than a null the schema forbids). */
const instant = (t: Timestamp | undefined) => (t ? timestampDate(t) : new Date(0));

function toAccountView(account: Account) {
  return {
    user: toUserView(account.user!),
    email: account.email,
    roles: account.roles.map((r) => (r === Role.ADMIN ? ('ADMIN' as const) : ('USER' as const))),
  };
}

function toTokenView(tokens: TokenPair) {
  return {
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: instant(tokens.accessTokenExpireTime),
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: instant(tokens.refreshTokenExpireTime),
  };
}

function toApiKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: instant(key.createTime),
    lastUsedAt: date(key.lastUseTime),
    revokedAt: date(key.revokeTime),
  };
}

export const authResolvers: Resolvers = {
  Query: {
    async me(_, __, ctx) {
      if (!ctx.caller.principal) return null;
      const res = await ctx.services.downstream.auth.getCurrentUser({}, asCaller(ctx.caller));
      return toAccountView(res.account!);
    },
    async myApiKeys(_, __, ctx) {
      requireSignedIn(ctx);
      const res = await ctx.services.downstream.auth.listApiKeys({}, asCaller(ctx.caller));
      return res.apiKeys.map(toApiKeyView);
    },
  },
  Mutation: {
    async register(_, args, ctx) {
      await ctx.services.limits.consume('login', [`ip:${ctx.caller.ip}`]);
      const res = await ctx.services.downstream.auth.register({ ...args, clientIp: ctx.caller.ip }, traced(ctx.caller));
      return { account: toAccountView(res.account!), ...toTokenView(res.tokens!) };
    },
    async login(_, args, ctx) {
      await ctx.services.limits.consume('login', [`ip:${ctx.caller.ip}`]);
      const res = await ctx.services.downstream.auth.login({ ...args, clientIp: ctx.caller.ip }, traced(ctx.caller));
      return { account: toAccountView(res.account!), ...toTokenView(res.tokens!) };
    },
    async refreshToken(_, args, ctx) {
      await ctx.services.limits.consume('login', [`ip:${ctx.caller.ip}`]);
      const res = await ctx.services.downstream.auth.refreshToken(
        { refreshToken: args.refreshToken },
        traced(ctx.caller),
      );
      return toTokenView(res.tokens!);
    },
    async logout(_, args, ctx) {
      await ctx.services.downstream.auth.logout({ refreshToken: args.refreshToken }, traced(ctx.caller));
      return true;
    },
    async createApiKey(_, args, ctx) {
      requireSignedIn(ctx);
      // A key is a credential: minting them counts like creating pastes, per IP and per user.
      await ctx.services.limits.consume('create', limitKeys(ctx.caller));
      const res = await ctx.services.downstream.auth.createApiKey({ name: args.name }, asCaller(ctx.caller));
      return { apiKey: toApiKeyView(res.apiKey!), secret: res.secret };
    },
    async revokeApiKey(_, args, ctx) {
      requireSignedIn(ctx);
      await ctx.services.downstream.auth.revokeApiKey({ id: args.id }, asCaller(ctx.caller));
      return true;
    },
  },
};
