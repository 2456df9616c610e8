import type { Logger } from '@pastemesh/kit/observability';
import type { SqlDialect } from '@pastemesh/kit/storage';
import type { Db } from '../database.js';
import type { Contents } from '../content/contents.js';
import type { PasteCache } from './paste.cache.js';
import type { PasteEvents } from './paste.events.js';
import type { ReplicaReads } from './replica.js';
import type { PasteLimits } from './paste.validation.js';

/** What the handlers work with; built once by createApp. */
export interface PasteServiceDeps {
  /** The primary: every write, and the reads that precede a write. */
  db: Db;
  dialect: SqlDialect;
  /** Where the read handlers read: the replica when it has what they read, the primary otherwise. */
  reads: ReplicaReads;
  cache: PasteCache;
  /** Where content bytes are written and read (the table, or the object store). */
  contents: Contents;
  events: PasteEvents;
  limits: PasteLimits;
  logger: Logger;
  /** Epoch ms; tests move it to cross expiry times. */
  now: () => number;
  newId: () => string;
}
