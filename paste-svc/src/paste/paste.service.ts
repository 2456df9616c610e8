import type { ServiceImpl } from '@connectrpc/connect';
import type { PasteService } from '@pastemesh/gen/paste';
import type { Logger, SqlDialect } from '@pastemesh/kit';
import type { Db } from '../database.js';
import type { PasteCache } from './paste.cache.js';
import type { PasteEvents } from './paste.events.js';
import type { PasteLimits } from './paste.validation.js';
import { languageMessages } from './languages.js';
import { createReadHandlers } from './paste-read.service.js';
import { createRevealHandlers } from './paste-reveal.service.js';
import { createWriteHandlers } from './paste-write.service.js';

/** What the handlers work with; built once by createApp. */
export interface PasteServiceDeps {
  db: Db;
  dialect: SqlDialect;
  cache: PasteCache;
  events: PasteEvents;
  limits: PasteLimits;
  logger: Logger;
  /** Epoch ms; tests move it to cross expiry times. */
  now: () => number;
  newId: () => string;
}

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
