import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PasteEventSchema } from '@pastemesh/gen/analytics';
import type { Logger } from '@pastemesh/kit/observability';
import { sampledTraceparent, type RequestContext } from '@pastemesh/kit/rpc';
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
  const record = (kind: PasteEventKind, facts: PasteFacts, cause?: RequestContext) => {
    try {
      const event = toPasteEvent(kind, facts, randomUUID(), now());
      const traceparent = sampledTraceparent(cause);
      sink.recordPasteEvent(traceparent ? { ...event, traceparent } : event);
    } catch (err) {
      logger.warn({ err: String(err), pasteId: facts.id }, 'paste event dropped');
    }
  };
  return {
    // `cause`: the request that made the change, whose trace the event links to across the queue.
    created: (facts: PasteFacts, cause?: RequestContext) => record(PasteEventKind.CREATED, facts, cause),
    updated: (facts: PasteFacts, cause?: RequestContext) => record(PasteEventKind.UPDATED, facts, cause),
    /** Deletion by a user, a burn, or the sweeper: the paste as it was when deleted. */
    deleted: (paste: RemovedPaste, cause?: RequestContext) => record(PasteEventKind.DELETED, paste, cause),
  };
}

export type PasteEvents = ReturnType<typeof createPasteEvents>;
