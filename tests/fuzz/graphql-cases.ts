// GraphQL cases generated from the schema itself (every Query and Mutation field, present and future):
// random selections with aliases and fragments, arguments as variables (of any JSON) or literals, and
// envelopes from a plain JSON POST to GET, wrong content types, malformed JSON, batches and odd shapes.
import fc from 'fast-check';
import type { IntrospectionField, IntrospectionInputValue, IntrospectionSchema, IntrospectionTypeRef } from 'graphql';
import {
  MAX_CONTENT_BYTES,
  contentTypeArb,
  headersArb,
  intArb,
  junkJson,
  junkString,
  jwtLike,
  authorizationArb,
  pasteIdArb,
  ref,
  type Headers,
} from './fuzz-values.js';
import type { WireCase } from './http-cases.js';

/** One argument: passed as a variable of its declared type (or a wrong one), as a literal, or left out. */
export interface ArgPlan {
  name: string;
  how: 'var' | 'literal' | 'omit' | 'wrong-var-type';
  value: unknown;
  wrongType: string;
}
export interface FieldPlan {
  alias: string | null;
  name: string;
  args: ArgPlan[];
  selection: SelectionPlan | null;
}
export interface SelectionPlan {
  type: string;
  fields: FieldPlan[];
  wrap: 'none' | 'inline' | 'named';
}
export interface OperationPlan {
  kind: 'query' | 'mutation';
  name: string | null;
  root: SelectionPlan;
}
export type Transport =
  | { kind: 'json' }
  | { kind: 'get'; preflight: boolean }
  | { kind: 'content-type'; contentType: string }
  | { kind: 'malformed'; keepPercent: number; junk: string }
  | { kind: 'batch'; more: OperationPlan[] }
  | { kind: 'shape'; shape: (typeof SHAPES)[number] }
  | { kind: 'options' };
export interface GraphqlCase {
  op: OperationPlan;
  /** Which operationName the envelope names: the operation's, none, or another. */
  operationName: string | null | 'same';
  transport: Transport;
  headers: Headers;
}

const SHAPES = [
  'query-number',
  'query-array',
  'variables-string',
  'variables-array',
  'operationName-number',
  'persisted-junk',
  'no-query',
  'null',
  'number',
  'string',
  'extensions-junk',
] as const;
const WRONG_TYPES = ['Int', 'String', 'Boolean', 'ID!', '[String]', 'Visibility', 'CreatePasteInput', 'Nope', 'Int!'];
/** Fields whose arguments may reveal (burn) a paste: protected ids never go there. */
export const isRevealField = (name: string): boolean => /reveal/i.test(name);

/** What the value arbitraries need to know about the running stack. */
export interface GraphqlCaseContext {
  schema: IntrospectionSchema;
  languages: string[];
}

/** A generator of GraphQL cases for one schema. */
export function createGraphqlArbs(ctx: GraphqlCaseContext) {
  const types = new Map(ctx.schema.types.map((t) => [t.name, t]));
  const named = (t: IntrospectionTypeRef): { kind: string; name: string } =>
    t.kind === 'NON_NULL' || t.kind === 'LIST'
      ? named((t as { ofType: IntrospectionTypeRef }).ofType)
      : (t as { kind: string; name: string });
  const isLeaf = (t: IntrospectionTypeRef) => ['SCALAR', 'ENUM'].includes(named(t).kind);
  const fieldsOf = (name: string): readonly IntrospectionField[] => {
    const t = types.get(name);
    return t && (t.kind === 'OBJECT' || t.kind === 'INTERFACE') ? t.fields : [];
  };

  function stringFor(name: string): fc.Arbitrary<string> {
    const junk = { weight: 2, arbitrary: junkString() };
    switch (name) {
      case 'content':
        return fc.oneof(
          { weight: 30, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }) },
          { weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 60 }) },
          { weight: 3, arbitrary: fc.constantFrom('', '\u0000', '\ud800', 'a\u0001b') },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              ref('size', MAX_CONTENT_BYTES),
              ref('size', MAX_CONTENT_BYTES + 1),
              ref('sizeu', MAX_CONTENT_BYTES / 2 + 1),
            ),
          },
        );
      case 'title':
        return fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('', 'hello', 'x'.repeat(200), ref('size', 201), ref('sizeu', 201)) },
          junk,
        );
      case 'language':
        return fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...ctx.languages.slice(0, 10), 'auto', '', 'klingon') },
          junk,
        );
      case 'email':
        return fc.oneof(
          {
            weight: 6,
            arbitrary: fc.constantFrom(
              ref('email', 'new'),
              ref('email', 'fuzz'),
              'not-an-email',
              'a@b',
              `${'x'.repeat(300)}@example.test`,
            ),
          },
          junk,
        );
      case 'password':
        return fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('correct horse battery staple', 'short', ref('size', 5_000)) },
          junk,
        );
      case 'deleteToken':
        return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(ref('deletetoken', 0), 'x'.repeat(129)) }, junk);
      case 'refreshToken':
        return fc.oneof(
          { weight: 3, arbitrary: fc.constant(ref('refresh', 0)) },
          { weight: 3, arbitrary: jwtLike },
          junk,
        );
      case 'after':
        return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(ref('cursor', 0), 'eyJ4IjoxfQ', '') }, junk);
      default:
        return fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 30 }) }, junk);
    }
  }

  /** A value of the right type (which paste-svc may still refuse: unknown ids, long titles). */
  function validValue(t: IntrospectionTypeRef, name: string, reveal: boolean): fc.Arbitrary<unknown> {
    if (t.kind === 'NON_NULL') return validValue(t.ofType, name, reveal);
    if (t.kind === 'LIST') return fc.array(validValue(t.ofType, name, reveal), { maxLength: 3 });
    const type = types.get(named(t).name)!;
    if (type.kind === 'ENUM') return fc.constantFrom(...type.enumValues.map((v) => v.name));
    if (type.kind === 'INPUT_OBJECT') {
      const fields = type.inputFields.map((f) => {
        const value = anyValue(f.type, f.name, reveal, 1);
        return [f.name, f.type.kind === 'NON_NULL' ? value : fc.option(value, { nil: undefined, freq: 2 })] as const;
      });
      return fc
        .tuple(
          fc.record(Object.fromEntries(fields)),
          fc.option(fc.tuple(junkString(false), junkJson()), { nil: undefined, freq: 10 }),
        )
        .map(([record, extra]) => {
          const obj = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
          return extra ? { ...obj, [extra[0] || 'extra']: extra[1] } : obj;
        });
    }
    switch (type.name) {
      case 'ID':
        return pasteIdArb(reveal);
      case 'Int':
        return intArb();
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'Boolean':
        return fc.boolean();
      case 'String':
        return stringFor(name);
      default:
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          junkString(false),
        );
    }
  }

  /** Usually a valid value; sometimes junk of any JSON type or null. */
  function anyValue(t: IntrospectionTypeRef, name: string, reveal: boolean, junkWeight: number): fc.Arbitrary<unknown> {
    return fc.oneof(
      { withCrossShrink: true },
      { weight: 14, arbitrary: validValue(t, name, reveal) },
      { weight: junkWeight, arbitrary: junkJson() },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }

  function argArb(arg: IntrospectionInputValue, reveal: boolean): fc.Arbitrary<ArgPlan> {
    const wrongType = fc.constantFrom(...WRONG_TYPES);
    return fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          name: fc.constant(arg.name),
          how: fc.constant('var' as const),
          value: anyValue(arg.type, arg.name, reveal, 3),
          wrongType,
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          name: fc.constant(arg.name),
          how: fc.constant('literal' as const),
          value: validValue(arg.type, arg.name, reveal),
          wrongType,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          name: fc.constant(arg.name),
          how: fc.constant('omit' as const),
          value: fc.constant(null),
          wrongType,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          name: fc.constant(arg.name),
          how: fc.constant('wrong-var-type' as const),
          value: junkJson(),
          wrongType,
        }),
      },
    );
  }

  const aliasArb = fc.oneof(
    { withCrossShrink: true },
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'x1', 'id', 'content', '_') },
  );
  const wrapArb = fc.constantFrom<SelectionPlan['wrap']>('none', 'none', 'none', 'inline', 'named');

  function fieldArb(field: IntrospectionField, depth: number): fc.Arbitrary<FieldPlan> {
    const reveal = isRevealField(field.name);
    const sel = isLeaf(field.type) ? fc.constant(null) : selectionArb(named(field.type).name, depth - 1);
    return fc.record({
      alias: aliasArb,
      name: fc.constant(field.name),
      args: fc.tuple(...field.args.map((a) => argArb(a, reveal))),
      selection: sel,
    });
  }

  const selections = new Map<string, fc.Arbitrary<SelectionPlan>>();
  /** A selection on `type`: a few of its fields (only leaves at depth 0), perhaps inside a fragment. */
  function selectionArb(type: string, depth: number): fc.Arbitrary<SelectionPlan> {
    const key = `${type}:${depth}`;
    let arb = selections.get(key);
    if (arb) return arb;
    const fields = fieldsOf(type).filter((f) => depth > 0 || isLeaf(f.type));
    const typename: FieldPlan = { alias: null, name: '__typename', args: [], selection: null };
    if (!fields.length) return fc.constant({ type, fields: [typename], wrap: 'none' });
    arb = fc
      .record({
        picked: fc.tuple(
          ...fields.map((f) =>
            fc.oneof(
              { withCrossShrink: true },
              { weight: 4, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fieldArb(f, depth) },
            ),
          ),
        ),
        first: fieldArb(fields.find((f) => isLeaf(f.type)) ?? fields[0]!, depth),
        typename: fc.boolean(),
        wrap: wrapArb,
      })
      .map(({ picked, first, typename: withTypename, wrap }) => {
        const chosen = picked.filter((f): f is FieldPlan => f !== null);
        return { type, fields: [...(chosen.length ? chosen : [first]), ...(withTypename ? [typename] : [])], wrap };
      });
    selections.set(key, arb);
    return arb;
  }

  function operationArb(): fc.Arbitrary<OperationPlan> {
    const roots: { kind: 'query' | 'mutation'; type: string }[] = [{ kind: 'query', type: ctx.schema.queryType.name }];
    if (ctx.schema.mutationType) roots.push({ kind: 'mutation', type: ctx.schema.mutationType.name });
    return fc.oneof(
      { withCrossShrink: true },
      ...roots.map(({ kind, type }) =>
        fc.record({
          kind: fc.constant(kind),
          name: fc.constantFrom(null, 'Fuzz', 'Q', 'x'.repeat(70)),
          root: fc.record({
            type: fc.constant(type),
            fields: fc.array(fc.oneof({ withCrossShrink: true }, ...fieldsOf(type).map((f) => fieldArb(f, 4))), {
              minLength: 1,
              maxLength: 3,
            }),
            wrap: wrapArb,
          }),
        }),
      ),
    );
  }

  const op = operationArb();
  const transport: fc.Arbitrary<Transport> = fc.oneof(
    { withCrossShrink: true },
    { weight: 16, arbitrary: fc.constant({ kind: 'json' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('get' as const), preflight: fc.constantFrom(true, true, false) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('content-type' as const), contentType: contentTypeArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('malformed' as const),
        keepPercent: fc.nat(99),
        junk: fc.constantFrom('', '}', ',', '\u0000', '\\', 'null', '\ud800'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('batch' as const), more: fc.array(op, { minLength: 1, maxLength: 2 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('shape' as const), shape: fc.constantFrom(...SHAPES) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'options' as const }) },
  );
  const authorization = fc.oneof(
    { withCrossShrink: true },
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant(`Bearer ${ref('token', 0)}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${ref('secret', 0)}`) },
    { weight: 2, arbitrary: authorizationArb },
  );
  const headers = fc
    .tuple(headersArb(false), authorization)
    .map(([h, auth]) => [
      ...h.filter(([n]) => n !== 'authorization'),
      ...(auth ? [['authorization', auth] as [string, string]] : []),
    ]);

  const graphqlCase: fc.Arbitrary<GraphqlCase> = fc.record({
    op,
    operationName: fc.oneof(
      { withCrossShrink: true },
      { weight: 8, arbitrary: fc.constant('same') },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('Other', '') },
    ),
    transport,
    headers,
  });

  // ---- rendering ----

  function argType(parent: string, field: string, arg: string): IntrospectionTypeRef | undefined {
    return fieldsOf(parent)
      .find((f) => f.name === field)
      ?.args.find((a) => a.name === arg)?.type;
  }

  /** Renders an operation as text and variables. */
  function render(plan: OperationPlan): {
    query: string;
    variables: Record<string, unknown>;
    operationName: string | null;
  } {
    const defs: string[] = [];
    const variables: Record<string, unknown> = {};
    const fragments: string[] = [];
    const renderSelection = (sel: SelectionPlan): string => {
      const inner = sel.fields.map((f) => renderField(sel.type, f)).join(' ');
      if (sel.wrap === 'inline') return `{ ... on ${sel.type} { ${inner} } }`;
      if (sel.wrap === 'named') {
        const name = `F${fragments.length + 1}`;
        fragments.push(`fragment ${name} on ${sel.type} { ${inner} }`);
        return `{ ...${name} }`;
      }
      return `{ ${inner} }`;
    };
    const renderField = (parent: string, f: FieldPlan): string => {
      if (isRevealField(f.name) && JSON.stringify(f.args).includes('@@protected:'))
        throw new Error(`fuzz harness bug: a protected paste reached ${f.name}`);
      const args: string[] = [];
      for (const a of f.args) {
        const type = argType(parent, f.name, a.name);
        if (a.how === 'omit' || !type) continue;
        if (a.how === 'literal') {
          args.push(`${a.name}: ${literal(a.value, type)}`);
          continue;
        }
        const v = `v${defs.length + 1}`;
        defs.push(`$${v}: ${a.how === 'var' ? typeString(type) : a.wrongType}`);
        variables[v] = a.value;
        args.push(`${a.name}: $${v}`);
      }
      const head = `${f.alias ? `${f.alias}: ` : ''}${f.name}${args.length ? `(${args.join(', ')})` : ''}`;
      return f.selection ? `${head} ${renderSelection(f.selection)}` : head;
    };
    const body = renderSelection(plan.root);
    const header = `${plan.kind}${plan.name ? ` ${plan.name}` : ''}${defs.length ? `(${defs.join(', ')})` : ''}`;
    return { query: [`${header} ${body}`, ...fragments].join(' '), variables, operationName: plan.name };
  }

  function literal(v: unknown, t: IntrospectionTypeRef): string {
    if (v === null || v === undefined) return 'null';
    if (t.kind === 'NON_NULL') return literal(v, t.ofType);
    if (t.kind === 'LIST')
      return Array.isArray(v) ? `[${v.map((x) => literal(x, t.ofType)).join(', ')}]` : literal(v, t.ofType);
    const type = types.get(t.name);
    if (type?.kind === 'ENUM' && typeof v === 'string' && /^[_A-Za-z][_0-9A-Za-z]*$/.test(v)) return v;
    if (type?.kind === 'INPUT_OBJECT' && typeof v === 'object' && !Array.isArray(v)) {
      const fields = new Map(type.inputFields.map((f) => [f.name, f.type]));
      return `{ ${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${identifier(k)}: ${fields.has(k) ? literal(x, fields.get(k)!) : genericLiteral(x)}`)
        .join(', ')} }`;
    }
    return genericLiteral(v);
  }

  function compile(c: GraphqlCase): WireCase {
    const main = render(c.op);
    const envelope = (r: ReturnType<typeof render>, name: string | null | 'same'): Record<string, unknown> => ({
      query: r.query,
      ...(Object.keys(r.variables).length ? { variables: r.variables } : {}),
      ...(name === 'same'
        ? r.operationName
          ? { operationName: r.operationName }
          : {}
        : name === null
          ? {}
          : { operationName: name }),
    });
    const env = envelope(main, c.operationName);
    const json = (body: unknown, contentType = 'application/json'): WireCase => ({
      family: 'graphql',
      method: 'POST',
      path: '/graphql',
      headers: [...c.headers, ['content-type', contentType]],
      body: { text: JSON.stringify(body) },
    });
    const t = c.transport;
    switch (t.kind) {
      case 'json':
        return json(env);
      case 'content-type':
        return json(env, t.contentType);
      case 'get':
        return {
          family: 'graphql',
          method: 'GET',
          path: '/graphql',
          query: {
            pairs: Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
            raw: false,
            suffix: '',
          },
          headers: [...c.headers, ...(t.preflight ? [['apollo-require-preflight', 'true'] as [string, string]] : [])],
        };
      case 'malformed': {
        const text = JSON.stringify(env);
        return {
          ...json(env),
          body: { text: text.slice(0, Math.floor((text.length * t.keepPercent) / 100)) + t.junk },
        };
      }
      case 'batch':
        return json([env, ...t.more.map((o) => envelope(render(o), 'same'))]);
      case 'options':
        return {
          family: 'graphql',
          method: 'OPTIONS',
          path: '/graphql',
          headers: [
            ...c.headers,
            ['origin', 'https://evil.example'],
            ['access-control-request-method', 'POST'],
            ['access-control-request-headers', 'content-type, authorization'],
          ],
        };
      case 'shape':
        return json(reshape(env, t.shape));
    }
  }

  return { graphqlCase, operation: op, render, compile };
}

function reshape(env: Record<string, unknown>, shape: (typeof SHAPES)[number]): unknown {
  switch (shape) {
    case 'query-number':
      return { ...env, query: 123 };
    case 'query-array':
      return { ...env, query: [env['query']] };
    case 'variables-string':
      return { ...env, variables: JSON.stringify(env['variables'] ?? {}) };
    case 'variables-array':
      return { ...env, variables: [env['variables']] };
    case 'operationName-number':
      return { ...env, operationName: 7 };
    case 'persisted-junk':
      return { ...env, extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } } };
    case 'no-query':
      return { variables: env['variables'] };
    case 'null':
      return null;
    case 'number':
      return 42;
    case 'string':
      return env['query'];
    case 'extensions-junk':
      return { ...env, extensions: 'x' };
  }
}

function typeString(t: IntrospectionTypeRef): string {
  if (t.kind === 'NON_NULL') return `${typeString(t.ofType)}!`;
  if (t.kind === 'LIST') return `[${typeString(t.ofType)}]`;
  return t.name;
}

function identifier(k: string): string {
  const id = k.replace(/[^_0-9A-Za-z]/g, '_');
  return /^[_A-Za-z]/.test(id) ? id : `_${id}`;
}

/** A GraphQL literal for any JSON value (JSON's string escapes are GraphQL's). */
function genericLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(genericLiteral).join(', ')}]`;
  return `{ ${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${identifier(k)}: ${genericLiteral(x)}`)
    .join(', ')} }`;
}
