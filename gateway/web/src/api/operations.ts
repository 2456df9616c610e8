// The GraphQL documents the client sends. Each `/* GraphQL */` string is plucked by
// graphql-codegen (codegen.ts at the repo root), which writes the result and variables
// types of every operation and fragment to ./generated/graphql.ts: nothing here
// restates the schema. After changing a document, run `npm run generate`.
import type * as G from './generated/graphql.js';

/**
 * A document as sent over the wire, carrying (in its type only) what it returns and
 * what variables it takes, so `execute(PASTE_VIEW, …)` is checked against the schema.
 */
export type Operation<TData, TVariables> = string & { readonly __operation?: { data: TData; variables: TVariables } };

function operation<TData, TVariables>(source: string): Operation<TData, TVariables> {
  return source;
}

// Enum and scalar-derived names the pages use, from the generated file.
export type Visibility = G.Visibility;
export type Expiry = G.Expiry;
export type TopWindow = G.TopWindow;

/** A paste in a list (My pastes, Top): no content. sizeBytes is null while a burn-after-read paste is concealed. */
export type PasteSummary = G.PasteSummaryFragment;
/** A paste as the page shows it (also what revealPaste returns). */
export type PasteData = G.PasteFieldsFragment;
/** The paste page's paste: with its versions and views. */
export type PasteDetail = NonNullable<G.PasteViewQuery['paste']>;
/** One stored version (sizeBytes is null while concealed). */
export type PasteVersionData = PasteDetail['versions'][number];
/** The signed-in account as login/register return it (kept in the session). */
export type AccountData = G.AccountFieldsFragment;
/** An access/refresh token pair with expiries (ISO-8601 strings). */
export type TokenData = G.RefreshTokenMutation['refreshToken'];
/** What login and register return: the account and a token pair. */
export type AuthPayload = G.LoginMutation['login'];

// Fragments are plucked once each; an operation's text carries the fragments it spreads
// (interpolations are erased when codegen plucks, so nothing is defined twice).
const PASTE_SUMMARY = /* GraphQL */ `
  fragment PasteSummary on Paste {
    id
    title
    language
    visibility
    createdAt
    expiresAt
    burnAfterRead
    concealed
    sizeBytes
  }
`;

const PASTE_FIELDS = /* GraphQL */ `
  fragment PasteFields on Paste {
    ...PasteSummary
    content
    updatedAt
    sha256
    version
    latestVersion
    author {
      id
      displayName
    }
  }
  ${PASTE_SUMMARY}
`;

const ACCOUNT_FIELDS = /* GraphQL */ `
  fragment AccountFields on Account {
    user {
      id
      displayName
    }
    email
    roles
  }
`;

export const LANGUAGES = operation<G.LanguagesQuery, G.LanguagesQueryVariables>(/* GraphQL */ `
  query Languages {
    languages {
      id
      name
    }
  }
`);

export const CREATE_PASTE = operation<G.CreatePasteMutation, G.CreatePasteMutationVariables>(/* GraphQL */ `
  mutation CreatePaste($input: CreatePasteInput!) {
    createPaste(input: $input) {
      paste {
        id
      }
      deleteToken
    }
  }
`);

/** The paste page: the paste at one version, its versions, views, and language names (to name a detected language). */
export const PASTE_VIEW = operation<G.PasteViewQuery, G.PasteViewQueryVariables>(/* GraphQL */ `
  query PasteView($id: ID!, $version: Int) {
    paste(id: $id, version: $version) {
      ...PasteFields
      versions {
        version
        title
        language
        sizeBytes
        createdAt
      }
      stats {
        totalViews
        uniqueViewers
        lastViewedAt
      }
    }
    languages {
      id
      name
    }
  }
  ${PASTE_FIELDS}
`);

export const REVEAL_PASTE = operation<G.RevealPasteMutation, G.RevealPasteMutationVariables>(/* GraphQL */ `
  mutation RevealPaste($id: ID!) {
    revealPaste(id: $id) {
      ...PasteFields
    }
  }
  ${PASTE_FIELDS}
`);

export const UPDATE_PASTE = operation<G.UpdatePasteMutation, G.UpdatePasteMutationVariables>(/* GraphQL */ `
  mutation UpdatePaste($input: UpdatePasteInput!) {
    updatePaste(input: $input) {
      id
      version
    }
  }
`);

export const DELETE_PASTE = operation<G.DeletePasteMutation, G.DeletePasteMutationVariables>(/* GraphQL */ `
  mutation DeletePaste($id: ID!, $deleteToken: String) {
    deletePaste(id: $id, deleteToken: $deleteToken)
  }
`);

export const MY_PASTES = operation<G.MyPastesQuery, G.MyPastesQueryVariables>(/* GraphQL */ `
  query MyPastes($first: Int, $after: String) {
    myPastes(first: $first, after: $after) {
      edges {
        node {
          ...PasteSummary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${PASTE_SUMMARY}
`);

export const TOP_PASTES = operation<G.TopPastesQuery, G.TopPastesQueryVariables>(/* GraphQL */ `
  query TopPastes($window: TopWindow, $limit: Int) {
    topPastes(window: $window, limit: $limit) {
      views
      paste {
        ...PasteSummary
        author {
          displayName
        }
      }
    }
  }
  ${PASTE_SUMMARY}
`);

export const REGISTER = operation<G.RegisterMutation, G.RegisterMutationVariables>(/* GraphQL */ `
  mutation Register($email: String!, $password: String!, $displayName: String!) {
    register(email: $email, password: $password, displayName: $displayName) {
      account {
        ...AccountFields
      }
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
  ${ACCOUNT_FIELDS}
`);

export const LOGIN = operation<G.LoginMutation, G.LoginMutationVariables>(/* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      account {
        ...AccountFields
      }
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
  ${ACCOUNT_FIELDS}
`);

export const REFRESH_TOKEN = operation<G.RefreshTokenMutation, G.RefreshTokenMutationVariables>(/* GraphQL */ `
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
`);

export const LOGOUT = operation<G.LogoutMutation, G.LogoutMutationVariables>(/* GraphQL */ `
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);
