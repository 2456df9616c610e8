import DataLoader from 'dataloader';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { CallOptions, Client } from '@connectrpc/connect';
import type { PasteService, PasteVersion } from '@pastemesh/gen/paste';

/** One stored version as GraphQL shows it; size and hash are null for a burn-after-read paste. */
export interface PasteVersionView {
  version: number;
  title: string | null;
  language: string;
  sizeBytes: number | null;
  sha256: string | null;
  createdAt: Date;
}

/** BatchListPasteVersions takes at most this many ids per call. */
const MAX_BATCH = 100;

function toVersionView(v: PasteVersion): PasteVersionView {
  const concealed = v.sha256 === '';
  return {
    version: v.version,
    title: v.title || null,
    language: v.language,
    sizeBytes: concealed ? null : Number(v.sizeBytes),
    sha256: concealed ? null : v.sha256,
    createdAt: v.createTime ? timestampDate(v.createTime) : new Date(0),
  };
}

/** Every paste's versions a request asks for, in one BatchListPasteVersions (a page of 20 pastes was 20 calls). */
export function createVersionsLoader(paste: Client<typeof PasteService>, options: CallOptions) {
  return new DataLoader<string, PasteVersionView[]>(
    async (ids) => {
      const res = await paste.batchListPasteVersions({ ids: [...ids] }, options);
      const byId = new Map(res.pastes.map((p) => [p.pasteId, p.versions.map(toVersionView)]));
      // A paste that vanished between reading it and listing its versions has none left to show.
      return ids.map((id) => byId.get(id) ?? []);
    },
    { maxBatchSize: MAX_BATCH },
  );
}

export type VersionsLoader = ReturnType<typeof createVersionsLoader>;
