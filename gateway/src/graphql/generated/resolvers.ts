import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { PasteView } from '../../paste/paste.view.js';
import type { UserView } from '../../user/user.loader.js';
import type { StatsView } from '../../stats/stats.loader.js';
import type { GatewayContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, as an ISO-8601 string in UTC (e.g. 2026-11-23T10:00:00.000Z). */
  DateTime: { input: Date; output: Date; }
};

/** The signed-in user's own account. */
export type Account = {
  __typename?: 'Account';
  email: Scalars['String']['output'];
  roles: Array<Role>;
  user: User;
};

/** An API key, without its secret. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters, to recognise it. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
};

/** A signed-in session. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  accessToken: Scalars['String']['output'];
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  account: Account;
  refreshToken: Scalars['String']['output'];
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
};

/** A new API key; the secret is shown this once. */
export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey: ApiKey;
  secret: Scalars['String']['output'];
};

/** A new paste. */
export type CreatePasteInput = {
  burnAfterRead?: InputMaybe<Scalars['Boolean']['input']>;
  /** 1 byte to 1 MiB of UTF-8 text. */
  content: Scalars['String']['input'];
  /** Default: the operator's default (one week). */
  expiry?: InputMaybe<Expiry>;
  /** A language id from `languages`; default auto. */
  language?: InputMaybe<Scalars['String']['input']>;
  /** At most 200 characters. */
  title?: InputMaybe<Scalars['String']['input']>;
  visibility?: InputMaybe<Visibility>;
};

/** A new paste; deleteToken is set (once) for anonymous pastes. */
export type CreatePastePayload = {
  __typename?: 'CreatePastePayload';
  deleteToken?: Maybe<Scalars['String']['output']>;
  paste: Paste;
};

/** A count for one UTC day. */
export type DailyCount = {
  __typename?: 'DailyCount';
  count: Scalars['Int']['output'];
  /** YYYY-MM-DD */
  day: Scalars['String']['output'];
};

/** How long a paste lives (the operator decides which are allowed). */
export type Expiry =
  | 'NEVER'
  | 'ONE_DAY'
  | 'ONE_HOUR'
  | 'ONE_MONTH'
  | 'ONE_WEEK'
  | 'ONE_YEAR'
  | 'TEN_MINUTES';

/** A language a paste may declare. */
export type Language = {
  __typename?: 'Language';
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  createApiKey: CreateApiKeyPayload;
  createPaste: CreatePastePayload;
  /** Owner, admin, or the delete token. */
  deletePaste: Scalars['Boolean']['output'];
  login: AuthPayload;
  logout: Scalars['Boolean']['output'];
  refreshToken: TokenPayload;
  register: AuthPayload;
  /** Reads a burn-after-read paste's content, which deletes it. Also works for any paste. */
  revealPaste?: Maybe<Paste>;
  revokeApiKey: Scalars['Boolean']['output'];
  updatePaste: Paste;
};


export type MutationCreateApiKeyArgs = {
  name: Scalars['String']['input'];
};


export type MutationCreatePasteArgs = {
  input: CreatePasteInput;
};


export type MutationDeletePasteArgs = {
  deleteToken?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
};


export type MutationLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationLogoutArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRefreshTokenArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRegisterArgs = {
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationRevealPasteArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUpdatePasteArgs = {
  input: UpdatePasteInput;
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** A paste at one version. */
export type Paste = {
  __typename?: 'Paste';
  /** Null for anonymous pastes. */
  author?: Maybe<User>;
  burnAfterRead: Scalars['Boolean']['output'];
  /**
   * True for a burn-after-read paste until revealPaste: its content and what is
   * derived from it (sizeBytes, sha256) are null, so nobody learns or guesses it
   * before the one reveal.
   */
  concealed: Scalars['Boolean']['output'];
  /**
   * The text. Null for burn-after-read pastes until revealPaste is called
   * (so link previews never burn them).
   */
  content?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Null when the paste never expires. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** 11 base62 characters. */
  id: Scalars['ID']['output'];
  /** A language id from `languages`, or auto. */
  language: Scalars['String']['output'];
  latestVersion: Scalars['Int']['output'];
  /** The text as text/plain, for curl (`?v=N` when this is not the latest version). */
  rawUrl: Scalars['String']['output'];
  /** SHA-256 of the content, hex; null while concealed. */
  sha256?: Maybe<Scalars['String']['output']>;
  /** Content size in bytes; null while concealed. */
  sizeBytes?: Maybe<Scalars['Int']['output']>;
  /** View statistics; null (with an error at this path) while analytics is unavailable. */
  stats?: Maybe<PasteStats>;
  title?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  /** The page for people (at this version when it is not the latest). */
  url: Scalars['String']['output'];
  version: Scalars['Int']['output'];
  /** Every version, newest first (one call for every paste in the response). */
  versions: Array<PasteVersion>;
  visibility: Visibility;
};

/** A page of pastes, newest first. */
export type PasteConnection = {
  __typename?: 'PasteConnection';
  edges: Array<PasteEdge>;
  pageInfo: PageInfo;
};

/** A paste in a connection. */
export type PasteEdge = {
  __typename?: 'PasteEdge';
  cursor: Scalars['String']['output'];
  node: Paste;
};

/** View statistics (bots excluded). */
export type PasteStats = {
  __typename?: 'PasteStats';
  lastViewedAt?: Maybe<Scalars['DateTime']['output']>;
  totalViews: Scalars['Int']['output'];
  uniqueViewers: Scalars['Int']['output'];
  /** The last 30 days, oldest first. */
  viewsPerDay: Array<DailyCount>;
};

/** One stored version of a paste. */
export type PasteVersion = {
  __typename?: 'PasteVersion';
  createdAt: Scalars['DateTime']['output'];
  language: Scalars['String']['output'];
  /** Null for a burn-after-read paste (concealed). */
  sha256?: Maybe<Scalars['String']['output']>;
  /** Null for a burn-after-read paste (concealed). */
  sizeBytes?: Maybe<Scalars['Int']['output']>;
  title?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Languages a paste may declare. */
  languages: Array<Language>;
  /** The signed-in account; null when anonymous. */
  me?: Maybe<Account>;
  /** The signed-in user's API keys. */
  myApiKeys: Array<ApiKey>;
  /** The signed-in user's pastes, all visibilities. */
  myPastes: PasteConnection;
  /** A paste (latest version unless `version` is given). Null if it does not exist, expired, or is private to someone else. */
  paste?: Maybe<Paste>;
  /** Recent public pastes. */
  pastes: PasteConnection;
  /** Most viewed public pastes. */
  topPastes: Array<TopPaste>;
};


export type QueryMyPastesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryPasteArgs = {
  id: Scalars['ID']['input'];
  version?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryPastesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryTopPastesArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  window?: InputMaybe<TopWindow>;
};

/** What an account may do beyond its own data. */
export type Role =
  | 'ADMIN'
  | 'USER';

/** A rotated token pair. */
export type TokenPayload = {
  __typename?: 'TokenPayload';
  accessToken: Scalars['String']['output'];
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  refreshToken: Scalars['String']['output'];
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
};

/** A ranked paste. */
export type TopPaste = {
  __typename?: 'TopPaste';
  paste: Paste;
  views: Scalars['Int']['output'];
};

/** A ranking window ending now. */
export type TopWindow =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

/** A new version of a paste (owner only). */
export type UpdatePasteInput = {
  content: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  language?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
  visibility?: InputMaybe<Visibility>;
};

/** A public profile. */
export type User = {
  __typename?: 'User';
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  id: Scalars['ID']['output'];
};

/** Who may read a paste and where it is listed. */
export type Visibility =
  /** The owner only (needs a signed-in author). */
  | 'PRIVATE'
  /** Anyone with the link; listed among recent pastes. */
  | 'PUBLIC'
  /** Anyone with the link; never listed. */
  | 'UNLISTED';



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Account: ResolverTypeWrapper<Omit<Account, 'user'> & { user: ResolversTypes['User'] }>;
  ApiKey: ResolverTypeWrapper<ApiKey>;
  AuthPayload: ResolverTypeWrapper<Omit<AuthPayload, 'account'> & { account: ResolversTypes['Account'] }>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreateApiKeyPayload: ResolverTypeWrapper<CreateApiKeyPayload>;
  CreatePasteInput: CreatePasteInput;
  CreatePastePayload: ResolverTypeWrapper<Omit<CreatePastePayload, 'paste'> & { paste: ResolversTypes['Paste'] }>;
  DailyCount: ResolverTypeWrapper<DailyCount>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Expiry: Expiry;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Language: ResolverTypeWrapper<Language>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Paste: ResolverTypeWrapper<PasteView>;
  PasteConnection: ResolverTypeWrapper<Omit<PasteConnection, 'edges'> & { edges: Array<ResolversTypes['PasteEdge']> }>;
  PasteEdge: ResolverTypeWrapper<Omit<PasteEdge, 'node'> & { node: ResolversTypes['Paste'] }>;
  PasteStats: ResolverTypeWrapper<StatsView>;
  PasteVersion: ResolverTypeWrapper<PasteVersion>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TokenPayload: ResolverTypeWrapper<TokenPayload>;
  TopPaste: ResolverTypeWrapper<Omit<TopPaste, 'paste'> & { paste: ResolversTypes['Paste'] }>;
  TopWindow: TopWindow;
  UpdatePasteInput: UpdatePasteInput;
  User: ResolverTypeWrapper<UserView>;
  Visibility: Visibility;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Account: Omit<Account, 'user'> & { user: ResolversParentTypes['User'] };
  ApiKey: ApiKey;
  AuthPayload: Omit<AuthPayload, 'account'> & { account: ResolversParentTypes['Account'] };
  Boolean: Scalars['Boolean']['output'];
  CreateApiKeyPayload: CreateApiKeyPayload;
  CreatePasteInput: CreatePasteInput;
  CreatePastePayload: Omit<CreatePastePayload, 'paste'> & { paste: ResolversParentTypes['Paste'] };
  DailyCount: DailyCount;
  DateTime: Scalars['DateTime']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Language: Language;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Paste: PasteView;
  PasteConnection: Omit<PasteConnection, 'edges'> & { edges: Array<ResolversParentTypes['PasteEdge']> };
  PasteEdge: Omit<PasteEdge, 'node'> & { node: ResolversParentTypes['Paste'] };
  PasteStats: StatsView;
  PasteVersion: PasteVersion;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  TokenPayload: TokenPayload;
  TopPaste: Omit<TopPaste, 'paste'> & { paste: ResolversParentTypes['Paste'] };
  UpdatePasteInput: UpdatePasteInput;
  User: UserView;
};

export type AccountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account']> = {
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type ApiKeyResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type AuthPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  accessTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  account?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refreshTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type CreateApiKeyPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CreateApiKeyPayload'] = ResolversParentTypes['CreateApiKeyPayload']> = {
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CreatePastePayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CreatePastePayload'] = ResolversParentTypes['CreatePastePayload']> = {
  deleteToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  paste?: Resolver<ResolversTypes['Paste'], ParentType, ContextType>;
};

export type DailyCountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['DailyCount'] = ResolversParentTypes['DailyCount']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  day?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type LanguageResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Language'] = ResolversParentTypes['Language']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createApiKey?: Resolver<ResolversTypes['CreateApiKeyPayload'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'name'>>;
  createPaste?: Resolver<ResolversTypes['CreatePastePayload'], ParentType, ContextType, RequireFields<MutationCreatePasteArgs, 'input'>>;
  deletePaste?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeletePasteArgs, 'id'>>;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'email' | 'password'>>;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationLogoutArgs, 'refreshToken'>>;
  refreshToken?: Resolver<ResolversTypes['TokenPayload'], ParentType, ContextType, RequireFields<MutationRefreshTokenArgs, 'refreshToken'>>;
  register?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRegisterArgs, 'displayName' | 'email' | 'password'>>;
  revealPaste?: Resolver<Maybe<ResolversTypes['Paste']>, ParentType, ContextType, RequireFields<MutationRevealPasteArgs, 'id'>>;
  revokeApiKey?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  updatePaste?: Resolver<ResolversTypes['Paste'], ParentType, ContextType, RequireFields<MutationUpdatePasteArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PasteResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Paste'] = ResolversParentTypes['Paste']> = {
  author?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  burnAfterRead?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  concealed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  content?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  language?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  latestVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rawUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sha256?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  sizeBytes?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  stats?: Resolver<Maybe<ResolversTypes['PasteStats']>, ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  versions?: Resolver<Array<ResolversTypes['PasteVersion']>, ParentType, ContextType>;
  visibility?: Resolver<ResolversTypes['Visibility'], ParentType, ContextType>;
};

export type PasteConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PasteConnection'] = ResolversParentTypes['PasteConnection']> = {
  edges?: Resolver<Array<ResolversTypes['PasteEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type PasteEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PasteEdge'] = ResolversParentTypes['PasteEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Paste'], ParentType, ContextType>;
};

export type PasteStatsResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PasteStats'] = ResolversParentTypes['PasteStats']> = {
  lastViewedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  totalViews?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  uniqueViewers?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  viewsPerDay?: Resolver<Array<ResolversTypes['DailyCount']>, ParentType, ContextType>;
};

export type PasteVersionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PasteVersion'] = ResolversParentTypes['PasteVersion']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  language?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sha256?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  sizeBytes?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  languages?: Resolver<Array<ResolversTypes['Language']>, ParentType, ContextType>;
  me?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType>;
  myApiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  myPastes?: Resolver<ResolversTypes['PasteConnection'], ParentType, ContextType, RequireFields<QueryMyPastesArgs, 'first'>>;
  paste?: Resolver<Maybe<ResolversTypes['Paste']>, ParentType, ContextType, RequireFields<QueryPasteArgs, 'id'>>;
  pastes?: Resolver<ResolversTypes['PasteConnection'], ParentType, ContextType, RequireFields<QueryPastesArgs, 'first'>>;
  topPastes?: Resolver<Array<ResolversTypes['TopPaste']>, ParentType, ContextType, RequireFields<QueryTopPastesArgs, 'limit' | 'window'>>;
};

export type TokenPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['TokenPayload'] = ResolversParentTypes['TokenPayload']> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  accessTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refreshTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type TopPasteResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['TopPaste'] = ResolversParentTypes['TopPaste']> = {
  paste?: Resolver<ResolversTypes['Paste'], ParentType, ContextType>;
  views?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GatewayContext> = {
  Account?: AccountResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  CreateApiKeyPayload?: CreateApiKeyPayloadResolvers<ContextType>;
  CreatePastePayload?: CreatePastePayloadResolvers<ContextType>;
  DailyCount?: DailyCountResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Language?: LanguageResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Paste?: PasteResolvers<ContextType>;
  PasteConnection?: PasteConnectionResolvers<ContextType>;
  PasteEdge?: PasteEdgeResolvers<ContextType>;
  PasteStats?: PasteStatsResolvers<ContextType>;
  PasteVersion?: PasteVersionResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  TokenPayload?: TokenPayloadResolvers<ContextType>;
  TopPaste?: TopPasteResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
};

