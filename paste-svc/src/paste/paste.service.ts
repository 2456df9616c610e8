import type { ServiceImpl } from '@connectrpc/connect';
import type { PasteService } from '@pastemesh/gen/paste';
import type { PasteServiceDeps } from './paste.deps.js';
import { languageMessages } from './languages.js';
import { createReadHandlers } from './paste-read.service.js';
import { createRevealHandlers } from './paste-reveal.service.js';
import { createWriteHandlers } from './paste-write.service.js';

/**
 * The PasteService implementation. Callers are verified by the auth
 * interceptor before any handler runs; handlers read them with callerOf.
 */
export function createPasteService(deps: PasteServiceDeps): ServiceImpl<typeof PasteService> {
  return {
    ...createReadHandlers(deps),
    ...createRevealHandlers(deps),
    ...createWriteHandlers(deps),
    async listLanguages() {
      return { languages: languageMessages() };
    },
  };
}
