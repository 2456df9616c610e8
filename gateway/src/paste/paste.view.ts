import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Visibility, type Paste } from '@pastemesh/gen/paste';

/** What GraphQL and the raw endpoints see of a paste: decoded once, safe to cache. */
export interface PasteView {
  id: string;
  title: string | null;
  /** Decoded text, or null when the paste message carried no content. */
  content: string | null;
  language: string;
  visibility: 'PUBLIC' | 'UNLISTED' | 'PRIVATE';
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  burnAfterRead: boolean;
  /** A burn-after-read paste not revealed: content, size and hash are withheld (null). */
  concealed: boolean;
  ownerId: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  version: number;
  latestVersion: number;
}

const VISIBILITY_NAME = {
  [Visibility.UNSPECIFIED]: 'PUBLIC',
  [Visibility.PUBLIC]: 'PUBLIC',
  [Visibility.UNLISTED]: 'UNLISTED',
  [Visibility.PRIVATE]: 'PRIVATE',
} as const;

const decoder = new TextDecoder();

/** Maps a paste message to the view. */
export function toPasteView(paste: Paste): PasteView {
  return {
    id: paste.id,
    title: paste.title || null,
    content: paste.contentIncluded ? decoder.decode(paste.content) : null,
    language: paste.language,
    visibility: VISIBILITY_NAME[paste.visibility],
    createdAt: paste.createTime ? timestampDate(paste.createTime) : new Date(0),
    updatedAt: paste.updateTime ? timestampDate(paste.updateTime) : new Date(0),
    expiresAt: paste.expireTime ? timestampDate(paste.expireTime) : null,
    burnAfterRead: paste.burnAfterRead,
    concealed: paste.contentConcealed,
    ownerId: paste.ownerId || null,
    sizeBytes: paste.contentConcealed ? null : Number(paste.sizeBytes),
    sha256: paste.contentConcealed ? null : paste.sha256,
    version: paste.version,
    latestVersion: paste.latestVersion,
  };
}

/** True once the paste's expiry has passed (a cached copy must then never be served). */
export function isExpired(view: PasteView, now = Date.now()): boolean {
  return view.expiresAt !== null && view.expiresAt.getTime() <= now;
}

/** GraphQL/raw visibility name → proto enum. */
export const VISIBILITY_BY_NAME: Record<PasteView['visibility'], Visibility> = {
  PUBLIC: Visibility.PUBLIC,
  UNLISTED: Visibility.UNLISTED,
  PRIVATE: Visibility.PRIVATE,
};
