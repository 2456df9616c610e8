import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PasteEventSchema } from '@pastemesh/gen/analytics';
import type { Logger } from '@pastemesh/kit/observability';
import { PasteEventKind, toPasteEvent, type PasteFacts, type RemovedPaste } from './paste.mapper.js';

/**
 * What paste-svc needs from analytics: a non-blocking, fire-and-forget sink
 * (the kit's event producer batches and redelivers). Nothing a reader waits for.
 */
export interface PasteEventSink {
  recordPasteEvent(event: MessageInitShape<typeof PasteEventSchema>): void;
}

/** A sink that drops events (analytics not configured). */
export const discardPasteEvents: PasteEventSink = { recordPasteEvent() {} };

/** Records lifecycle events with fresh UUIDs; a failing sink is logged, never thrown into a handler. */
export function createPasteEvents(sink: PasteEventSink, logger: Logger, now: () => number) {
  const record = (kind: PasteEventKind, facts: PasteFacts) => {
    try {
      sink.recordPasteEvent(toPasteEvent(kind, facts, randomUUID(), now()));
    } catch (err) {
      logger.warn({ err: String(err), pasteId: facts.id }, 'paste event dropped');
    }
  };
  return {
    created: (facts: PasteFacts) => record(PasteEventKind.CREATED, facts),
    updated: (facts: PasteFacts) => record(PasteEventKind.UPDATED, facts),
    /** Deletion by a user, a burn, or the sweeper: the paste as it was when deleted. */
    deleted: (paste: RemovedPaste) => record(PasteEventKind.DELETED, paste),
  };
}

export type PasteEvents = ReturnType<typeof createPasteEvents>;
