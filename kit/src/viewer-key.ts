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
 * User agents that are crawlers or link-preview fetchers: their reads are
 * recorded but not counted as views. Matched case-insensitively as substrings.
 *
 * Deliberately NOT here: curl, wget, HTTPie, python-requests, Go-http-client and
 * other HTTP libraries. Pastemesh is a pastebin, and `curl …/raw` is how many
 * people read a paste; those reads count. An empty user agent counts too.
 */
export const BOT_USER_AGENT_TOKENS: readonly string[] = [
  // Link-preview fetchers (chat apps and social networks unfurling a shared link).
  'slackbot', // Slackbot-LinkExpanding
  'twitterbot',
  'facebookexternalhit',
  'facebot',
  'discordbot',
  'telegrambot',
  'whatsapp',
  'linkedinbot',
  'skypeuripreview',
  'microsoftpreview',
  'pinterestbot',
  'redditbot',
  'mastodon', // Mastodon instances fetch link previews as "http.rb/… (Mastodon/4.x; +https://…)"
  'embedly',
  'iframely',
  'vkshare',
  'google-pagerenderer',
  'bitlybot',
  // Search engines and SEO crawlers.
  'googlebot',
  'google-inspectiontool',
  'adsbot-google',
  'mediapartners-google',
  'bingbot',
  'bingpreview',
  'slurp',
  'duckduckbot',
  'baiduspider',
  'yandexbot',
  'yandex.com/bots',
  'applebot',
  'petalbot',
  'sogou',
  'seznambot',
  'ahrefsbot',
  'semrushbot',
  'mj12bot',
  'dotbot',
  'dataforseobot',
  'rogerbot',
  // AI and archive crawlers.
  'gptbot',
  'chatgpt-user',
  'oai-searchbot',
  'claudebot',
  'anthropic-ai',
  'perplexitybot',
  'ccbot',
  'bytespider',
  'amazonbot',
  'ia_archiver',
  'archive.org_bot',
  // Headless browsers run by preview services and monitors.
  'headlesschrome',
  'phantomjs',
  'uptimerobot',
  'pingdom',
];

const BOT_PATTERN = new RegExp(
  [
    ...BOT_USER_AGENT_TOKENS.map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
    // The convention bots follow: "(compatible; SomeBot/1.0; +https://example.com/bot)".
    'compatible;[^)]*\\+https?://',
    // Generic self-descriptions; "bot" alone is avoided (it matches phones such as "CUBOT").
    '\\bcrawler\\b',
    '\\bspider\\b',
  ].join('|'),
  'i',
);

/** True when `userAgent` is a known crawler or link-preview fetcher (see BOT_USER_AGENT_TOKENS). */
export function isBotUserAgent(userAgent: string | undefined | null): boolean {
  if (!userAgent) return false;
  return BOT_PATTERN.test(userAgent);
}
