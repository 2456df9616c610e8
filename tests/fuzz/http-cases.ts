// Plain HTTP cases: POST /, GET and HEAD /raw/:id, the web pages and assets, the operational endpoints,
// /graphql at the HTTP level, unknown paths and methods, and any route found in the gateway's source.
import fc from 'fast-check';
import { isBotUserAgent } from '@pastemesh/analytics-svc/client';
import { EXPIRY_NAMES } from '@pastemesh/paste-svc/client';
import { MAX_CONTENT_BYTES, headersArb, intArb, junkString, pasteIdArb, ref, type Headers } from './fuzz-values.js';

/** A request body: text (UTF-8), raw bytes, or `size` bytes of "a" (kept short in a printed case). */
export type BodySpec = { text: string } | { bytes: number[] } | { size: number };

/** A query string as pairs; `raw` skips percent-encoding where the wire allows it; `suffix` is appended as is. */
export interface QuerySpec {
  pairs: [string, string][];
  raw: boolean;
  suffix: string;
}

/** One request as a case: the family names which entry point it aims at. */
export interface WireCase {
  family: string;
  method: string;
  path: string;
  query?: QuerySpec;
  headers: Headers;
  body?: BodySpec;
}

/** A route pattern found in the gateway's source, e.g. `{ methods: ['GET'], path: '/raw/:id' }`. */
export interface RouteInfo {
  methods: string[];
  path: string;
}

/** What the HTTP arbitraries need to know about the running gateway. */
export interface HttpCaseContext {
  assets: string[];
  languages: string[];
  /** Routes in the source that the families below do not know (new entry points). */
  extraRoutes: RouteInfo[];
}

export const userAgentOf = (c: { headers: Headers }): string | undefined =>
  c.headers.find(([n]) => n === 'user-agent')?.[1];

/**
 * The two reveals are GraphQL's revealPaste and a GET of /raw/:id by a person; a case that would be one of
 * them for a protected burn paste names a revealable one instead (same slot), so protected pastes meet every
 * other request, bots' GETs and HEADs included.
 */
export function withoutProtectedReveal<C extends WireCase>(c: C): C {
  if (c.method !== 'GET' || !/raw/i.test(c.path) || !c.path.includes('@@protected:')) return c;
  if (isBotUserAgent(userAgentOf(c) ?? '')) return c;
  return { ...c, path: c.path.replaceAll('@@protected:', '@@revealable:') };
}

const EXPIRY_VALUES = [
  ...EXPIRY_NAMES,
  'ONE_DAY',
  'one-day',
  '1D',
  'NEVER',
  '0',
  '1',
  '7',
  'unspecified',
  'UNSPECIFIED',
  'forever',
  '1m',
  '__proto__',
  '',
];
const VISIBILITY_VALUES = [
  'public',
  'unlisted',
  'private',
  'PUBLIC',
  'Unlisted',
  '0',
  '1',
  '2',
  '3',
  '4',
  '-1',
  '1.0',
  '0x1',
  'unspecified',
  'constructor',
  '__proto__',
  'toString',
  ' public',
  '',
];
const BURN_VALUES = ['1', 'true', '0', 'false', 'yes', 'no', 'on', 'TRUE', '2', '-1', ''];
const JUNK_KEYS = [
  'v',
  'id',
  'content',
  'expiry[]',
  'expiry[0]',
  'burn[]',
  'visibility[a]',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
];

/** POST / parameters: each field's valid words, near misses and junk; keys repeat freely. */
export function createParamArb(languages: string[]): fc.Arbitrary<[string, string]> {
  const value = (words: string[]) =>
    fc.oneof(
      { withCrossShrink: true },
      { weight: 5, arbitrary: fc.constantFrom(...words) },
      { weight: 1, arbitrary: junkString() },
    );
  return fc.oneof(
    fc.tuple(fc.constant('expiry'), value(EXPIRY_VALUES)),
    fc.tuple(fc.constant('visibility'), value(VISIBILITY_VALUES)),
    fc.tuple(fc.constant('language'), value([...languages.slice(0, 8), 'auto', 'Python', 'c++', 'klingon', ''])),
    fc.tuple(
      fc.constant('title'),
      value(['', 'hello', 'x'.repeat(200), ref('size', 201), ref('sizeu', 201), 'tab\there']),
    ),
    fc.tuple(fc.constant('burn'), value(BURN_VALUES)),
    fc.tuple(fc.oneof(fc.constantFrom(...JUNK_KEYS), junkString(false)), junkString()),
  );
}

const QUERY_SUFFIXES = [
  '',
  '',
  '',
  '&',
  '&&',
  '=',
  '&=x',
  '%',
  '%zz',
  '%C0%AF',
  '&expiry',
  '&burn',
  '+',
  '#frag',
  '?',
  ';a=b',
];

export function queryArb(param: fc.Arbitrary<[string, string]>, maxPairs = 4): fc.Arbitrary<QuerySpec> {
  return fc.record({
    pairs: fc.array(param, { maxLength: maxPairs }),
    raw: fc.boolean(),
    suffix: fc.constantFrom(...QUERY_SUFFIXES),
  });
}

/** Bodies for POST /: text, empty, binary, invalid UTF-8, and (rarely: they are slow) sizes around the limit. */
export const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 24, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map((text) => ({ text })) },
  { weight: 12, arbitrary: fc.string({ minLength: 1, maxLength: 80 }).map((text) => ({ text })) },
  { weight: 4, arbitrary: fc.constant({ text: '' }) },
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 48 }).map((b) => ({ bytes: [...b] })) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x68, 0xff, 0xfe, 0x69], [0])
      .map((bytes) => ({ bytes: [...bytes] })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(MAX_CONTENT_BYTES - 1, MAX_CONTENT_BYTES, MAX_CONTENT_BYTES + 1, MAX_CONTENT_BYTES + 64 * 1024 + 1)
      .map((size) => ({ size })),
  },
);

const ANY_METHOD = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'BREW'];
const smallBody: fc.Arbitrary<BodySpec | undefined> = fc.option(
  fc.oneof(
    junkString(false).map((text) => ({ text })),
    fc.constantFrom({ text: '{"query":"{ languages { id } }"}' }, { text: '[]' }, { text: '{' }),
  ),
  { nil: undefined },
);
const junkQuery = queryArb(
  fc.tuple(fc.oneof(fc.constantFrom('v', 'id', 'q', 'query', 'expiry'), junkString(false)), junkString()),
  3,
);

/** All plain HTTP cases, weighted towards the entry points with logic behind them. */
export function httpCaseArb(ctx: HttpCaseContext): fc.Arbitrary<WireCase> {
  const create = fc.record({
    family: fc.constant('POST /'),
    method: fc.constantFrom('POST', 'POST', 'POST', 'PUT'),
    path: fc.constant('/'),
    query: queryArb(createParamArb(ctx.languages), 3),
    headers: headersArb(true),
    body: bodyArb,
  });
  const raw = fc
    .record({
      family: fc.constant('/raw/:id'),
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'HEAD'),
      id: pasteIdArb(false),
      tail: fc.constantFrom('', '', '', '', '/', '.txt', '%00', '/..'),
      query: fc.option(
        queryArb(fc.tuple(fc.constantFrom('v', 'v', 'raw', 'dl'), fc.oneof(intArb().map(String), junkString())), 2),
        { nil: undefined },
      ),
      headers: headersArb(false),
    })
    .map(({ id, tail, ...c }) => ({ ...c, path: `/raw/${id}${tail}` }));
  const pages = fc.record({
    family: fc.constant('web page'),
    method: fc.constantFrom('GET', 'GET', 'HEAD'),
    path: fc.oneof(
      fc.constantFrom('/', '/login', '/register', '/mine', '/top', '/p/', '/p'),
      pasteIdArb(false).map((id) => `/p/${id}`),
    ),
    query: fc.option(junkQuery, { nil: undefined }),
    headers: headersArb(false),
  });
  const assets = fc.record({
    family: fc.constant('/assets/:file'),
    method: fc.constantFrom('GET', 'HEAD'),
    path: fc
      .oneof(
        fc.constantFrom(...(ctx.assets.length ? ctx.assets : ['app.js'])),
        fc.constantFrom(
          '..%2f..%2fpackage.json',
          '%2e%2e',
          '..',
          'app.js',
          'x.js',
          'a.b.c',
          'index.html',
          '.env',
          'app.js%00.css',
          'A'.repeat(300) + '.js',
        ),
        junkString(false),
      )
      .map((f) => `/assets/${f}`),
    headers: headersArb(false),
  });
  const operational = fc.record({
    family: fc.constant('operational'),
    method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST'),
    path: fc.constantFrom('/.well-known/jwks.json', '/healthz', '/readyz', '/metrics'),
    query: fc.option(junkQuery, { nil: undefined }),
    headers: headersArb(false),
  });
  const graphqlHttp = fc.record({
    family: fc.constant('/graphql (HTTP)'),
    method: fc.constantFrom(...ANY_METHOD),
    path: fc.constantFrom('/graphql', '/graphql/', '/GRAPHQL', '/graphql?'),
    query: fc.option(junkQuery, { nil: undefined }),
    headers: headersArb(true),
    body: smallBody,
  });
  const unknown = fc.record({
    family: fc.constant('unknown path or method'),
    method: fc.constantFrom(...ANY_METHOD),
    path: fc.oneof(
      fc.constantFrom(
        '/',
        '/raw',
        '/raw/',
        '/p',
        '/api',
        '/admin',
        '/.env',
        '//',
        '/%2e%2e/',
        '/%',
        '/a%00b',
        '/' + 'a'.repeat(3_000),
      ),
      pasteIdArb(false).map((id) => `/raw/${id}/extra`),
      junkString(false).map((s) => `/${s}`),
    ),
    query: fc.option(junkQuery, { nil: undefined }),
    headers: headersArb(true),
    body: smallBody,
  });
  const families: fc.WeightedArbitrary<WireCase>[] = [
    { weight: 6, arbitrary: create },
    { weight: 6, arbitrary: raw },
    { weight: 2, arbitrary: pages },
    { weight: 1, arbitrary: assets },
    { weight: 1, arbitrary: operational },
    { weight: 2, arbitrary: graphqlHttp },
    { weight: 2, arbitrary: unknown },
  ];
  if (ctx.extraRoutes.length) families.push({ weight: 2, arbitrary: routeCaseArb(ctx.extraRoutes) });
  return fc.oneof(...families).map(withoutProtectedReveal);
}

/**
 * Routes the families above do not know: every `:param` gets an id (never a protected one: an unknown route
 * may be a reveal) or junk, any method.
 */
function routeCaseArb(routes: RouteInfo[]): fc.Arbitrary<WireCase> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      params: fc.array(fc.oneof(pasteIdArb(true), junkString(false)), { minLength: 4, maxLength: 4 }),
      otherMethod: fc.option(fc.constantFrom(...ANY_METHOD), { nil: undefined }),
      query: fc.option(junkQuery, { nil: undefined }),
      headers: headersArb(true),
      body: smallBody,
    })
    .map(({ route, params, otherMethod, query, headers, body }) => {
      let i = 0;
      const path = route.path.replace(/:[A-Za-z_]+|\*/g, () => params[i++ % params.length]!);
      return {
        family: `route ${route.path}`,
        method: otherMethod ?? route.methods[0] ?? 'GET',
        path,
        query,
        headers,
        body,
      };
    });
}
