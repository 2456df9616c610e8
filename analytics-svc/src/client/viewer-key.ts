import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { createHmac } from 'node:crypto';

/** Length of a viewer key: 22 base64url characters = 128 bits of the HMAC, far below the contract's 64. */
export const VIEWER_KEY_LENGTH = 22;

const DAY_MS = 86_400_000;
/** The last day formatted, from its first millisecond. */
let today = { start: Number.POSITIVE_INFINITY, day: '' };

/** A UTC day as YYYY-MM-DD. */
export function utcDay(at: Date | number = Date.now()): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  // Every read asks for today: format a date once per day, not per call.
  if (ms < today.start || ms >= today.start + DAY_MS) {
    const start = Math.floor(ms / DAY_MS) * DAY_MS;
    today = { start, day: new Date(start).toISOString().slice(0, 10) };
  }
  return today.day;
}

/**
 * A pseudonymous viewer key: HMAC-SHA256 over IP and user agent, keyed by a salt
 * derived from `secret` and the UTC `day` (so keys cannot be linked across days
 * and the raw IP is never stored), truncated to 128 bits in base64url.
 */
export function viewerKey(ip: string, userAgent: string, secret: string, day: string | Date = new Date()): string {
  const dayString = typeof day === 'string' ? day : utcDay(day);
  const salt = createHmac('sha256', secret).update(`pastemesh-viewer-salt:${dayString}`).digest();
  return createHmac('sha256', salt).update(`${ip}\n${userAgent}`).digest('base64url').slice(0, VIEWER_KEY_LENGTH);
}

/**
 * Link-preview fetchers isbot does not list (yet): mail clients that fetch a link while a message is composed
 * or shown. Matched case-insensitively.
 */
const EXTRA_PREVIEW_FETCHERS = /microsoft outlook|outlook-(ios|android)|oneoutlook|ms-office|microsoft office/i;

/**
 * Command-line clients a person types: `curl …/raw/ID` is how many people read a paste, so these count as
 * readers although isbot lists them. Scripting libraries (python-requests, Go-http-client, node-fetch…) stay
 * bots: link unfurlers are built on them.
 */
const PERSON_AT_A_TERMINAL = /^(curl|wget|httpie|xh)\//i;

/**
 * True when `userAgent` is a crawler or link-preview fetcher: its reads are recorded but not counted as views,
 * and it never reveals a burn-after-read paste. isbot's maintained list (chat apps, social networks, search
 * engines, monitors, HTTP libraries) plus mail-client previewers, minus command-line tools people use. An
 * empty user agent is a person.
 */
export function isBotUserAgent(userAgent: string | undefined | null): boolean {
  if (!userAgent) return false;
  const known = botByUserAgent.get(userAgent);
  if (known !== undefined) return known;
  const bot = !PERSON_AT_A_TERMINAL.test(userAgent) && (isbot(userAgent) || EXTRA_PREVIEW_FETCHERS.test(userAgent));
  if (userAgent.length <= MAX_REMEMBERED_LENGTH) botByUserAgent.set(userAgent, bot);
  return bot;
}

/**
 * isBotUserAgent's answers by user agent. isbot's pattern costs ~2 µs on a browser's user agent (a raw read
 * costs the gateway ~28 µs), every view asks, and a site's readers share a few thousand user agents. The 2,000
 * most recent, and only user agents of sane length, so clients sending new or huge ones cannot grow it: at most
 * ~1 MB.
 */
const botByUserAgent = new LRUCache<string, boolean>({ max: 2_000 });
const MAX_REMEMBERED_LENGTH = 512;
