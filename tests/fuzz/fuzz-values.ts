// Value arbitraries every fuzzed entry point shares: ids, junk strings and JSON, and the headers a client may send.
import fc from 'fast-check';
// Headers the gateway forwards to the services as gRPC metadata.
import { TRACE_HEADERS } from '@pastemesh/kit/rpc';

/** The side loop's client address (X-Forwarded-For); no fuzzed header may contain it. */
export const SIDE_LOOP_IP = '10.9.9.9';
/** The gateway's default paste limit (MAX_CONTENT_BYTES). */
export const MAX_CONTENT_BYTES = 1_048_576;

/**
 * Cases name live data by placeholders the harness resolves when the case runs (`@@protected:2@@` is the id
 * in slot 2 of the protected burn pastes), so a shrunk counterexample reads as what it meant, and a slot can
 * be refilled when a paste in it is burned. `@@size:N@@` is N times "a"; `@@sizeu:N@@` N times "é" (2 bytes).
 */
export const ref = (pool: string, key: number | string): string => `@@${pool}:${key}@@`;

/** How many pastes each pool holds. */
export const POOLS = { protected: 6, revealable: 6, paste: 6 } as const;

/** Pastes a reveal may never name: burn-after-read pastes that must survive the run. */
export const isProtectedRef = (s: string): boolean => s.includes('@@protected:');

/** `s` with lone surrogates replaced by U+FFFD, as a client encoding it as UTF-8 sends it. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Weighted optional value: `undefined` (left out) `100 - percent` of the time. */
export function sometimes<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  // Cross-shrinking lets a shrunk counterexample drop what it does not need.
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 100 - percent, arbitrary: fc.constant(undefined) },
    { weight: percent, arbitrary: arb },
  );
}

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\t',
  '\r\n',
  '%',
  '%00',
  '%zz',
  '../',
  '..%2F',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1',
  '1e309',
  '\u202e',
  '\ufeff',
  '😀',
  '\ud800',
  'é',
  "'; DROP TABLE pastes; --",
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  'x'.repeat(300),
];

const controlChars = fc.string({
  unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 8,
});

/** Strings a client should never be able to break anything with; `long` adds 5k and 70k ones (never in headers). */
export function junkString(long = true): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    { weight: 1, arbitrary: controlChars },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
    ...(long ? [{ weight: 1, arbitrary: fc.constantFrom(ref('size', 5_000), ref('size', 70_000)) }] : []),
  );
}

/** Any JSON a client might put where a typed value belongs. */
export function junkJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0.5,
      2_147_483_648,
      -2_147_483_649,
      2 ** 53 + 2,
      1e308,
      '',
      [],
      {},
      [null],
      { id: null },
    ),
    junkString(),
    fc.integer(),
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(junkString(false), { maxLength: 3 }),
  );
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Well-formed ids that almost surely do not exist (and near misses: 10 or 12 characters). */
export const randomId = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 10, maxLength: 12 });

/**
 * A paste id as a client would send it: the live pools (protected burn pastes unless this is an argument of a
 * reveal), ordinary pastes, other kinds of ids, random well-formed ids and junk.
 */
export function pasteIdArb(reveal: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    ...(reveal ? [] : [{ weight: 4, arbitrary: fc.nat(POOLS.protected - 1).map((i) => ref('protected', i)) }]),
    { weight: 3, arbitrary: fc.nat(POOLS.revealable - 1).map((i) => ref('revealable', i)) },
    { weight: 3, arbitrary: fc.nat(POOLS.paste - 1).map((i) => ref('paste', i)) },
    { weight: 1, arbitrary: fc.constantFrom(ref('user', 0), ref('user', 1), ref('apikey', 0)) },
    { weight: 2, arbitrary: randomId },
    { weight: 2, arbitrary: junkString() },
  );
}

/** Integers around every boundary a page size, limit or version has. */
export function intArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, -1, 99, 100, 101, 500, 501, 2_147_483_647, -2_147_483_648) },
    { weight: 1, arbitrary: fc.integer() },
  );
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** JWT-shaped strings: expired, unsigned (alg none), wrong issuer, unknown key. */
export const jwtLike = fc
  .record({
    alg: fc.constantFrom('RS256', 'HS256', 'ES256', 'EdDSA', 'none', ''),
    kid: fc.constantFrom('k1', '', '../../etc/passwd', 'x'.repeat(100)),
    exp: fc.constantFrom(1, 1_000_000_000, 1_700_000_000, 4_102_444_800),
    iss: fc.constantFrom('pastemesh-auth', 'evil', ''),
    sub: fc.string({ maxLength: 12 }),
    sig: fc.uint8Array({ maxLength: 64 }),
  })
  .map(
    ({ alg, kid, exp, iss, sub, sig }) =>
      `${b64({ alg, kid, typ: 'JWT' })}.${b64({ sub, exp, iss, aud: 'pastemesh', roles: ['ADMIN'] })}.${Buffer.from(sig).toString('base64url')}`,
  );

/** Authorization values: garbage, expired-looking JWTs, junk API keys, other schemes, and the fuzz user's real ones. */
export const authorizationArb = fc.oneof(
  { weight: 3, arbitrary: jwtLike.map((t) => `Bearer ${t}`) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.constantFrom(...BASE62, '_', '-'), maxLength: 48 }).map((s) => `Bearer pm_${s}`),
  },
  { weight: 2, arbitrary: junkString(false).map((s) => `Bearer ${s}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer a b',
      'bearer  x',
      'Token abc',
      'Bearer ' + 'A'.repeat(4_000),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `Bearer ${ref('token', 0)}`,
      `bearer ${ref('secret', 0)}`,
      `Bearer ${ref('tampered', 0)}`,
    ),
  },
);

const BOTS = [
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Twitterbot/1.0',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  'WhatsApp/2.23.20.0',
  'TelegramBot (like TwitterBot)',
  'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const PEOPLE = [
  'curl/8.5.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  'Wget/1.21.4',
  'python-requests/2.32.3',
  '',
];

/** User agents: people, link-preview bots, junk and an 8 KiB one. */
export const userAgentArb = fc.oneof(
  { withCrossShrink: true },
  { weight: 3, arbitrary: fc.constantFrom(...PEOPLE) },
  { weight: 3, arbitrary: fc.constantFrom(...BOTS) },
  { weight: 2, arbitrary: junkString(false) },
  { weight: 1, arbitrary: fc.constant('Mozilla/5.0 '.repeat(700)) },
);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));

/** X-Forwarded-For values, never naming the side loop's address. */
export const forwardedForArb = fc
  .oneof(
    fc.constantFrom(
      '203.0.113.7',
      '203.0.113.7, 198.51.100.2',
      '::1',
      '::ffff:127.0.0.1',
      'unknown',
      '',
      'garbage',
      '999.1.1.1',
      ', ,',
      '1.2.3.4:80',
      '[::1]:443',
    ),
    ipv4,
    fc.array(ipv4, { minLength: 2, maxLength: 40 }).map((ips) => ips.join(', ')),
    junkString(false),
  )
  .filter((v) => !v.includes(SIDE_LOOP_IP));

/** Content types, mostly sensible. */
export const contentTypeArb = fc.oneof(
  { withCrossShrink: true },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/graphql',
      'application/graphql-response+json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      '*/*',
      ';;;',
      'application/json, text/plain',
      'text/html',
    ),
  },
  { weight: 1, arbitrary: junkString(false) },
);

/** Conditional GET fields (/raw/:id answers 304 to them): lists, weak tags, unbalanced quotes, and huge ones. */
const IF_NONE_MATCH = [
  '*',
  '""',
  'W/"x"',
  `"${'f'.repeat(64)}"`,
  '"unterminated',
  'W/',
  '*, "x"',
  Array.from({ length: 500 }, (_, i) => `"${i}"`).join(', '),
  '"'.repeat(8_000),
  'W/'.repeat(4_000),
];
const IF_MODIFIED_SINCE = [
  'Thu, 01 Jan 1970 00:00:00 GMT',
  'Sun, 06 Nov 1994 08:49:37 GMT',
  'Sunday, 06-Nov-94 08:49:37 GMT',
  'Sun Nov  6 08:49:37 1994',
  'Fri, 31 Dec 9999 23:59:59 GMT',
  'Sat, 13 Sep 275760 00:00:01 GMT',
  'Mon, 32 Foo 2020 99:99:99 GMT',
  'now',
  '-1',
  'x'.repeat(8_000),
];

/** Name and value pairs; values are made sendable (UTF-8 bytes, no CR/LF/NUL) when the case is compiled. */
export type Headers = [string, string][];

/** The headers of a fuzzed request (each left out most of the time), plus a content type when there is a body. */
export function headersArb(withBody: boolean): fc.Arbitrary<Headers> {
  return fc
    .record({
      'user-agent': sometimes(userAgentArb, 60),
      authorization: sometimes(authorizationArb, 15),
      'x-forwarded-for': sometimes(forwardedForArb, 30),
      'content-type': withBody ? sometimes(contentTypeArb, 60) : fc.constant(undefined),
      referer: sometimes(
        fc.oneof(
          fc.constantFrom('https://news.example/item?id=1', 'http://[::1', 'javascript:alert(1)'),
          junkString(false),
        ),
        10,
      ),
      trace: sometimes(
        fc.tuple(
          fc.constantFrom(...TRACE_HEADERS),
          fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), junkString(false)),
        ),
        20,
      ),
      accept: sometimes(
        fc.oneof(
          fc.constantFrom('*/*', 'text/html', 'application/json', 'application/graphql-response+json'),
          junkString(false),
        ),
        15,
      ),
      'if-none-match': sometimes(fc.oneof(fc.constantFrom(...IF_NONE_MATCH), junkString(false)), 8),
      'if-modified-since': sometimes(fc.oneof(fc.constantFrom(...IF_MODIFIED_SINCE), junkString(false)), 8),
      'accept-encoding': sometimes(fc.constantFrom('gzip', 'br', 'deflate, gzip;q=0', 'identity;q=0', 'zstd'), 10),
      'x-fuzz-pad': sometimes(fc.constantFrom('p'.repeat(8_000), 'q'.repeat(12_000)), 3),
    })
    .map(({ trace, ...h }) =>
      [...Object.entries(h), ...(trace ? [trace] : [])].filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
}
