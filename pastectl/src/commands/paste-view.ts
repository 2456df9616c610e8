import { Visibility, type Paste } from '@pastemesh/gen/paste';
import { bytes, fields, isoOrNull, printable, when } from '../output/format.js';

/**
 * A paste as --json prints it: plain fields, ISO times, content as UTF-8 text
 * when fetched; size and hash are null while a burn-after-read paste is concealed.
 */
export function pasteJson(p: Paste) {
  return {
    id: p.id,
    title: p.title,
    language: p.language,
    visibility: Visibility[p.visibility],
    createTime: isoOrNull(p.createTime),
    updateTime: isoOrNull(p.updateTime),
    expireTime: isoOrNull(p.expireTime),
    burnAfterRead: p.burnAfterRead,
    ownerId: p.ownerId || null,
    sizeBytes: p.contentConcealed ? null : Number(p.sizeBytes),
    sha256: p.contentConcealed ? null : p.sha256,
    contentConcealed: p.contentConcealed,
    version: p.version,
    latestVersion: p.latestVersion,
    ...(p.contentIncluded ? { content: new TextDecoder().decode(p.content) } : {}),
  };
}

/** The metadata block people see above the content. */
export function pasteFields(p: Paste): string {
  return fields([
    ['id', p.id],
    ['title', p.title ? printable(p.title) : '(untitled)'],
    ['language', p.language],
    ['visibility', Visibility[p.visibility]?.toLowerCase() ?? String(p.visibility)],
    ['owner', p.ownerId || '(anonymous)'],
    ['size', p.contentConcealed ? 'concealed' : `${bytes(p.sizeBytes)} (${p.sizeBytes} bytes)`],
    ['version', `${p.version} of ${p.latestVersion}`],
    ['created', when(p.createTime)],
    ['updated', when(p.updateTime)],
    ['expires', p.expireTime ? when(p.expireTime) : 'never'],
    ['burn after read', p.burnAfterRead ? 'yes' : 'no'],
    ['sha256', p.contentConcealed ? 'concealed' : p.sha256],
  ]);
}
