/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** A new paste. */
export type CreatePasteInput = {
  burnAfterRead?: boolean | null | undefined;
  /** 1 byte to 1 MiB of UTF-8 text. */
  content: string;
  /** Default: the operator's default (one week). */
  expiry?: Expiry | null | undefined;
  /** A language id from `languages`; default auto. */
  language?: string | null | undefined;
  /** At most 200 characters. */
  title?: string | null | undefined;
  visibility?: Visibility | null | undefined;
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

/** What an account may do beyond its own data. */
export type Role =
  | 'ADMIN'
  | 'USER';

/** A ranking window ending now. */
export type TopWindow =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

/** A new version of a paste (owner only). */
export type UpdatePasteInput = {
  content: string;
  id: string | number;
  language?: string | null | undefined;
  title?: string | null | undefined;
  visibility?: Visibility | null | undefined;
};

/** Who may read a paste and where it is listed. */
export type Visibility =
  /** The owner only (needs a signed-in author). */
  | 'PRIVATE'
  /** Anyone with the link; listed among recent pastes. */
  | 'PUBLIC'
  /** Anyone with the link; never listed. */
  | 'UNLISTED';

export type PasteSummaryFragment = { id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null };

export type PasteFieldsFragment = { content: string | null, updatedAt: string, sha256: string | null, version: number, latestVersion: number, id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null, author: { id: string, displayName: string } | null };

export type AccountFieldsFragment = { email: string, roles: Array<Role>, user: { id: string, displayName: string } };

export type LanguagesQueryVariables = Exact<{ [key: string]: never; }>;


export type LanguagesQuery = { languages: Array<{ id: string, name: string }> };

export type CreatePasteMutationVariables = Exact<{
  input: CreatePasteInput;
}>;


export type CreatePasteMutation = { createPaste: { deleteToken: string | null, paste: { id: string } } };

export type PasteViewQueryVariables = Exact<{
  id: string | number;
  version?: number | null | undefined;
}>;


export type PasteViewQuery = { paste: { content: string | null, updatedAt: string, sha256: string | null, version: number, latestVersion: number, id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null, versions: Array<{ version: number, title: string | null, language: string, sizeBytes: number | null, createdAt: string }>, stats: { totalViews: number, uniqueViewers: number, lastViewedAt: string | null } | null, author: { id: string, displayName: string } | null } | null, languages: Array<{ id: string, name: string }> };

export type RevealPasteMutationVariables = Exact<{
  id: string | number;
}>;


export type RevealPasteMutation = { revealPaste: { content: string | null, updatedAt: string, sha256: string | null, version: number, latestVersion: number, id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null, author: { id: string, displayName: string } | null } | null };

export type UpdatePasteMutationVariables = Exact<{
  input: UpdatePasteInput;
}>;


export type UpdatePasteMutation = { updatePaste: { id: string, version: number } };

export type DeletePasteMutationVariables = Exact<{
  id: string | number;
  deleteToken?: string | null | undefined;
}>;


export type DeletePasteMutation = { deletePaste: boolean };

export type MyPastesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MyPastesQuery = { myPastes: { edges: Array<{ node: { id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type TopPastesQueryVariables = Exact<{
  window?: TopWindow | null | undefined;
  limit?: number | null | undefined;
}>;


export type TopPastesQuery = { topPastes: Array<{ views: number, paste: { id: string, title: string | null, language: string, visibility: Visibility, createdAt: string, expiresAt: string | null, burnAfterRead: boolean, concealed: boolean, sizeBytes: number | null, author: { displayName: string } | null } }> };

export type RegisterMutationVariables = Exact<{
  email: string;
  password: string;
  displayName: string;
}>;


export type RegisterMutation = { register: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, account: { email: string, roles: Array<Role>, user: { id: string, displayName: string } } } };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string, account: { email: string, roles: Array<Role>, user: { id: string, displayName: string } } } };

export type RefreshTokenMutationVariables = Exact<{
  refreshToken: string;
}>;


export type RefreshTokenMutation = { refreshToken: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string } };

export type LogoutMutationVariables = Exact<{
  refreshToken: string;
}>;


export type LogoutMutation = { logout: boolean };
