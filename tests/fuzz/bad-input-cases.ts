// Known bad input, one mistake per case, on POST / and in createPaste's variables: the answer must be a client
// error that names the parameter or field.
import fc from 'fast-check';
import { EXPIRY_NAMES, parseExpiryWord } from '@pastemesh/paste-svc/client';
import { MAX_CONTENT_BYTES, junkString, ref, wellFormed } from './fuzz-values.js';
import type { BodySpec, WireCase } from './http-cases.js';
import type { WireResult } from './wire.js';

/** One bad input and the name the error must carry. */
export interface BadInputCase {
  edge: 'POST /' | 'GraphQL createPaste';
  field: string;
  wire: WireCase;
}

const HEADERS: [string, string][] = [['user-agent', 'curl/8.5.0']];
const oversize = fc.constantFrom<BodySpec>(
  { size: MAX_CONTENT_BYTES + 1 },
  { size: MAX_CONTENT_BYTES + 7 },
  { size: MAX_CONTENT_BYTES + 64 * 1024 + 1 },
);
const longTitle = fc
  .tuple(fc.integer({ min: 201, max: 400 }), fc.boolean())
  .map(([n, wide]) => ref(wide ? 'sizeu' : 'size', n));

/** Bad values and mistakes on both edges. */
export function badInputArb(languages: string[]): fc.Arbitrary<BadInputCase> {
  const known = new Set([...languages.map((l) => l.toLowerCase()), 'auto']);
  const badHttp: Record<string, fc.Arbitrary<string>> = {
    expiry: fc
      .oneof(
        fc.constantFrom(
          'forever',
          '1m',
          '2d',
          '0',
          '7',
          'UNSPECIFIED',
          'unspecified',
          '__proto__',
          'constructor',
          'ONE DAY',
          '-1',
        ),
        junkString(false),
      )
      .filter((v) => v !== '' && parseExpiryWord(wellFormed(v)) === undefined),
    visibility: fc
      .oneof(
        fc.constantFrom(
          '0',
          '1',
          '2',
          '3',
          'unspecified',
          'UNSPECIFIED',
          'publik',
          '__proto__',
          'constructor',
          'toString',
          ' public',
        ),
        junkString(false),
      )
      .filter((v) => v !== '' && !/^(public|unlisted|private)$/i.test(wellFormed(v))),
    language: fc
      .oneof(fc.constantFrom('klingon', 'c+++', '../etc'), junkString(false))
      .filter((v) => v !== '' && !known.has(wellFormed(v).toLowerCase())),
    title: longTitle,
    burn: fc
      .oneof(fc.constantFrom('2', '-1', 'maybe', 'tru', 'y', 'n', 'TRUEE'), junkString(false))
      .filter((v) => !/^(|0|1|true|false|yes|no|on|off)$/i.test(wellFormed(v))),
  };
  const validHttp: Record<string, string[]> = {
    expiry: [...EXPIRY_NAMES],
    visibility: ['public', 'unlisted'],
    language: ['auto', ...languages.slice(0, 5)],
    title: ['a', 'b', 'notes'],
    burn: ['1', '0', 'true', 'false'],
  };
  const others = (except: string) =>
    fc.subarray(
      Object.entries({ expiry: '1h', language: 'auto', title: 'fuzz', visibility: 'unlisted', burn: '0' }).filter(
        ([k]) => k !== except,
      ),
    ) as fc.Arbitrary<[string, string][]>;
  const post = (field: string, pairs: [string, string][], body: BodySpec): BadInputCase => ({
    edge: 'POST /',
    field,
    wire: {
      family: 'POST /',
      method: 'POST',
      path: '/',
      query: { pairs, raw: false, suffix: '' },
      headers: HEADERS,
      body,
    },
  });

  const badParam = fc.constantFrom(...Object.keys(badHttp)).chain((field) =>
    fc.tuple(badHttp[field]!, others(field), fc.nat(5)).map(([bad, rest, at]) => {
      const pairs = [...rest];
      pairs.splice(at % (pairs.length + 1), 0, [field, bad]);
      return post(field, pairs, { text: 'bad input probe' });
    }),
  );
  const repeated = fc.constantFrom(...Object.keys(validHttp)).chain((field) =>
    fc
      .tuple(fc.uniqueArray(fc.constantFrom(...validHttp[field]!), { minLength: 2, maxLength: 3 }), others(field))
      .map(([values, rest]) =>
        post(field, [...rest, ...values.map((v): [string, string] => [field, v])], {
          text: 'repeated parameter probe',
        }),
      ),
  );
  const badContent = fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<BodySpec>({ text: '' }) },
        {
          weight: 3,
          arbitrary: fc.constantFrom<BodySpec>(
            { bytes: [0xff] },
            { bytes: [0x68, 0xff, 0xfe, 0x69] },
            { bytes: [0xed, 0xa0, 0x80] },
            { bytes: [0xc3] },
          ),
        },
        { weight: 1, arbitrary: oversize },
      ),
      others('content'),
    )
    .map(([body, rest]) => post('content', rest, body));

  const badGraphql: Record<string, fc.Arbitrary<unknown>> = {
    expiry: fc.constantFrom('FOREVER', 'one_day', '1d', '', 'ONE_DAY ', 'UNSPECIFIED', 7, true, {}, ['ONE_DAY']),
    visibility: fc.constantFrom('public', 'Public', 'SECRET', '', 'UNSPECIFIED', 1, 2, false, {}),
    language: fc.oneof(
      fc.constantFrom<unknown>('klingon', '../etc', 5, true, {}, []),
      junkString(false).filter((v) => v !== '' && !known.has(wellFormed(v).toLowerCase())),
    ),
    title: fc.oneof(longTitle, fc.constantFrom<unknown>(42, true, {}, ['t'])),
    burnAfterRead: fc.constantFrom('yes', 'true', 1, 0, '', {}, [true], 'false'),
    content: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom<unknown>('', 42, null, {}, true, ['x']) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(ref('size', MAX_CONTENT_BYTES + 1), ref('sizeu', MAX_CONTENT_BYTES / 2 + 1)),
      },
    ),
  };
  const gqlOthers = (except: string) =>
    fc.subarray(
      Object.entries({
        expiry: 'ONE_HOUR',
        language: 'auto',
        title: 'fuzz',
        visibility: 'UNLISTED',
        burnAfterRead: false,
      }).filter(([k]) => k !== except),
    );
  const graphql = fc.constantFrom(...Object.keys(badGraphql)).chain((field) =>
    fc.tuple(badGraphql[field]!, gqlOthers(field)).map(([bad, rest]): BadInputCase => {
      const input = { content: 'bad input probe', ...Object.fromEntries(rest), [field]: bad };
      const query =
        'mutation Bad($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } deleteToken } }';
      return {
        edge: 'GraphQL createPaste',
        field,
        wire: {
          family: 'graphql',
          method: 'POST',
          path: '/graphql',
          headers: [...HEADERS, ['content-type', 'application/json']],
          body: { text: JSON.stringify({ query, variables: { input } }) },
        },
      };
    }),
  );

  return fc.oneof(
    { weight: 5, arbitrary: badParam },
    { weight: 3, arbitrary: repeated },
    { weight: 2, arbitrary: badContent },
    { weight: 5, arbitrary: graphql },
  );
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Undefined when the answer is right. Plain HTTP: a 4xx whose text is `error: <field>: …`. GraphQL: a 4xx, or
 * (GraphQL-over-HTTP answers execution errors with 200) a 200 with no paste created and a BAD_USER_INPUT error;
 * either way an error whose extensions.field or message names the field.
 */
export function badInputProblem(c: BadInputCase, r: WireResult): string | undefined {
  if (r.status === null) return `no response (${r.error})`;
  if (c.edge === 'POST /') {
    if (r.status < 400 || r.status >= 500) return `answered ${r.status}, not a 4xx`;
    if (!r.body.startsWith(`error: ${c.field}:`))
      return `answered ${r.status} without naming "${c.field}" first: ${JSON.stringify(r.body.slice(0, 200))}`;
    return undefined;
  }
  let body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  try {
    body = JSON.parse(r.body);
  } catch {
    return `answered ${r.status} with a body that is not JSON: ${JSON.stringify(r.body.slice(0, 200))}`;
  }
  const errors = body.errors ?? [];
  const clientError =
    (r.status >= 400 && r.status < 500) ||
    (r.status === 200 &&
      !body.data?.['createPaste'] &&
      errors.some((e) => e.extensions?.['code'] === 'BAD_USER_INPUT'));
  if (!clientError) return `answered ${r.status} ${JSON.stringify(r.body.slice(0, 300))}: not a client error`;
  const word = new RegExp(`\\b(${c.field}|${snake(c.field)})\\b`);
  const named = errors.some(
    (e) => e.extensions?.['field'] === c.field || e.extensions?.['field'] === snake(c.field) || word.test(e.message),
  );
  if (!named) return `answered ${r.status} without naming "${c.field}": ${JSON.stringify(errors).slice(0, 400)}`;
  return undefined;
}
