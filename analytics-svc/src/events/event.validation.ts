import { timestampMs } from '@bufbuild/protobuf/wkt';
import { PasteEventKind, type PasteEvent, type ViewEvent } from '@pastemesh/gen/analytics';
import { invalidArgument } from '@pastemesh/kit/rpc';
import type { NewViewEvent } from './view-event.repository.js';
import type { NewPasteEvent } from './paste-event.repository.js';

/** Events per Record* call (the contract's limit). */
export const MAX_EVENTS_PER_CALL = 1_000;
/** Ids (event, paste) and viewer keys: at most this many characters. */
export const MAX_ID_LENGTH = 64;
export const MAX_REFERRER_LENGTH = 255;
export const MAX_LANGUAGE_LENGTH = 64;
/** Reads one view event may stand for (ViewEvent.count). */
export const MAX_VIEWS_PER_EVENT = 1_000_000;
/** Producer clocks may run ahead a little; beyond this an event time is taken as the ingestion time. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function checkCount(count: number): void {
  if (count < 1 || count > MAX_EVENTS_PER_CALL) {
    throw invalidArgument('events', `events: 1 to ${MAX_EVENTS_PER_CALL} per call (got ${count})`, MAX_EVENTS_PER_CALL);
  }
}

/** Throws InvalidArgument unless `value` has 1 to `max` characters (or 0 to `max` when optional). */
export function checkLength(field: string, value: string, max: number, required = true): void {
  if (required && value.length === 0) throw invalidArgument(field, `${field}: required`);
  if (value.length > max)
    throw invalidArgument(field, `${field}: at most ${max} characters (got ${value.length})`, max);
}

function eventTime(time: ViewEvent['time'], nowMs: number): number {
  if (!time) return nowMs;
  const ms = timestampMs(time);
  return ms > nowMs + MAX_CLOCK_SKEW_MS ? nowMs : ms;
}

/** Validates a RecordViews batch; one bad event refuses the batch, naming it (e.g. `events[3].paste_id: required`). */
export function toNewViewEvents(events: ViewEvent[], nowMs: number): NewViewEvent[] {
  checkCount(events.length);
  return events.map((e, i) => {
    checkLength(`events[${i}].event_id`, e.eventId, MAX_ID_LENGTH);
    checkLength(`events[${i}].paste_id`, e.pasteId, MAX_ID_LENGTH);
    checkLength(`events[${i}].viewer_key`, e.viewerKey, MAX_ID_LENGTH, false);
    checkLength(`events[${i}].referrer_host`, e.referrerHost, MAX_REFERRER_LENGTH, false);
    if (e.count > MAX_VIEWS_PER_EVENT) {
      throw invalidArgument(
        `events[${i}].count`,
        `events[${i}].count: at most ${MAX_VIEWS_PER_EVENT} (got ${e.count})`,
        MAX_VIEWS_PER_EVENT,
      );
    }
    return {
      eventId: e.eventId,
      pasteId: e.pasteId,
      timeMs: eventTime(e.time, nowMs),
      viewerKey: e.viewerKey,
      referrerHost: e.referrerHost.toLowerCase(),
      bot: e.bot,
      count: e.count === 0 ? 1 : e.count,
    };
  });
}

/** Validates a RecordPasteEvents batch the same way. */
export function toNewPasteEvents(events: PasteEvent[], nowMs: number): NewPasteEvent[] {
  checkCount(events.length);
  return events.map((e, i) => {
    checkLength(`events[${i}].event_id`, e.eventId, MAX_ID_LENGTH);
    checkLength(`events[${i}].paste_id`, e.pasteId, MAX_ID_LENGTH);
    checkLength(`events[${i}].language`, e.language, MAX_LANGUAGE_LENGTH, false);
    if (e.kind !== PasteEventKind.CREATED && e.kind !== PasteEventKind.UPDATED && e.kind !== PasteEventKind.DELETED) {
      throw invalidArgument(`events[${i}].kind`, `events[${i}].kind: one of CREATED, UPDATED, DELETED (got ${e.kind})`);
    }
    if (e.visibility < 0 || e.visibility > 3) {
      throw invalidArgument(`events[${i}].visibility`, `events[${i}].visibility: 0 to 3 (got ${e.visibility})`, 3);
    }
    if (e.sizeBytes < 0n || e.sizeBytes > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw invalidArgument(`events[${i}].size_bytes`, `events[${i}].size_bytes: 0 or more (got ${e.sizeBytes})`);
    }
    return {
      eventId: e.eventId,
      pasteId: e.pasteId,
      kind: e.kind,
      timeMs: eventTime(e.time, nowMs),
      language: e.language,
      visibility: e.visibility,
      sizeBytes: Number(e.sizeBytes),
    };
  });
}
