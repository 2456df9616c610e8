// The GraphQL documents the client sends, and the shapes it reads back.

export type Visibility = 'PUBLIC' | 'UNLISTED' | 'PRIVATE';
export type Expiry = 'TEN_MINUTES' | 'ONE_HOUR' | 'ONE_DAY' | 'ONE_WEEK' | 'ONE_MONTH' | 'ONE_YEAR' | 'NEVER';
export type TopWindow = 'DAY' | 'WEEK' | 'MONTH';

export interface AccountData {
  user: { id: string; displayName: string };
  email: string;
  roles: ('USER' | 'ADMIN')[];
}

export interface TokenData {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export interface PasteSummary {
  id: string;
  title: string | null;
  language: string;
  visibility: Visibility;
  createdAt: string;
  expiresAt: string | null;
  burnAfterRead: boolean;
  sizeBytes: number;
}

export interface PasteVersionData {
  version: number;
  title: string | null;
  language: string;
  sizeBytes: number;
  createdAt: string;
}

export interface PasteData extends PasteSummary {
  content: string | null;
  updatedAt: string;
  sha256: string;
  version: number;
  latestVersion: number;
  author: { id: string; displayName: string } | null;
}

export interface PasteDetail extends PasteData {
  versions: PasteVersionData[];
  stats: { totalViews: number; uniqueViewers: number; lastViewedAt: string | null } | null;
}

export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const SUMMARY = 'id title language visibility createdAt expiresAt burnAfterRead sizeBytes';
const PASTE = `${SUMMARY} content updatedAt sha256 version latestVersion author { id displayName }`;
const ACCOUNT = 'account { user { id displayName } email roles }';
const TOKENS = 'accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt';

export const LANGUAGES = 'query Languages { languages { id name } }';

export const CREATE_PASTE = `mutation CreatePaste($input: CreatePasteInput!) {
  createPaste(input: $input) { paste { id } deleteToken }
}`;

export const PASTE_VIEW = `query PasteView($id: ID!, $version: Int) {
  paste(id: $id, version: $version) {
    ${PASTE}
    versions { version title language sizeBytes createdAt }
    stats { totalViews uniqueViewers lastViewedAt }
  }
}`;

export const REVEAL_PASTE = `mutation RevealPaste($id: ID!) { revealPaste(id: $id) { ${PASTE} } }`;

export const UPDATE_PASTE = `mutation UpdatePaste($input: UpdatePasteInput!) { updatePaste(input: $input) { id version } }`;

export const DELETE_PASTE = 'mutation DeletePaste($id: ID!, $deleteToken: String) { deletePaste(id: $id, deleteToken: $deleteToken) }';

export const MY_PASTES = `query MyPastes($first: Int, $after: String) {
  myPastes(first: $first, after: $after) { edges { node { ${SUMMARY} } } pageInfo { hasNextPage endCursor } }
}`;

export const TOP_PASTES = `query TopPastes($window: TopWindow, $limit: Int) {
  topPastes(window: $window, limit: $limit) { views paste { ${SUMMARY} author { displayName } } }
}`;

export const REGISTER = `mutation Register($email: String!, $password: String!, $displayName: String!) {
  register(email: $email, password: $password, displayName: $displayName) { ${ACCOUNT} ${TOKENS} }
}`;

export const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { ${ACCOUNT} ${TOKENS} }
}`;

export const REFRESH_TOKEN = `mutation RefreshToken($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${TOKENS} } }`;

export const LOGOUT = 'mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }';
