// Hostile and broken requests for the gateway, generated deterministically: malformed GraphQL in many
// shapes, bodies far over the limit (with and without Content-Length), invalid UTF-8, deep queries
// and alias floods. Each is a plain fetch description; what the gateway answers is the test's business.

/** One request to send. */
export interface BadRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | (() => ReadableStream<Uint8Array>);
}

const json = { 'content-type': 'application/json' };
const enc = new TextEncoder();
const gqlBody = (query: unknown, variables?: unknown) =>
  enc.encode(JSON.stringify({ query, ...(variables ? { variables } : {}) }));

const VALID = `query Read($id: ID!) { paste(id: $id) { id title content language stats { totalViews } author { displayName } } }`;

/** A small deterministic PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The n-th malformed GraphQL document (10 shapes in turn; every shape also varies with n). */
export function malformedDocument(n: number): BadRequest {
  const rand = prng(n + 1);
  const cut = 1 + Math.floor(rand() * (VALID.length - 2));
  const garbage = Array.from({ length: 1 + Math.floor(rand() * 200) }, () =>
    String.fromCharCode(33 + Math.floor(rand() * 94)),
  ).join('');
  const shapes: (() => Uint8Array)[] = [
    () => gqlBody(VALID.slice(0, cut), { id: 'AAAAAAAAAAA' }), // truncated anywhere
    () => gqlBody(garbage), // printable noise
    () => gqlBody('{'.repeat(1 + (n % 300))), // unbalanced
    () => gqlBody(`query { paste(id: "unterminated) { id } }`),
    () => gqlBody(`{ ${garbage.replace(/[^a-z]/gi, '') || 'x'} }`), // unknown field
    () => gqlBody(`query($id: ID!) { paste(id: $id) { id } }`, { id: { nested: [n] } }), // wrong variable type
    () => enc.encode(`{"query": "{ languages { id } }"`.slice(0, 1 + (n % 30))), // broken JSON
    () => gqlBody(n), // query is not a string
    () => gqlBody(`mutation { createPaste(input: { content: ${n} }) { paste { id } } }`), // wrong literal type
    () => gqlBody(`query \u0000\u0001 { languages { id } }`), // control characters
  ];
  return { kind: 'malformed GraphQL', path: '/graphql', headers: json, body: shapes[n % shapes.length]!() };
}

/** A body of `bytes` bytes, sent with Content-Length or chunked. */
export function oversized(bytes: number, chunked: boolean): BadRequest {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  return {
    kind: chunked ? 'oversized body (chunked)' : 'oversized body',
    path: '/graphql',
    headers: json,
    body: chunked
      ? () => {
          let sent = 0;
          return new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent >= bytes) return controller.close();
              sent += chunk.length;
              controller.enqueue(chunk);
            },
          });
        }
      : new Uint8Array(bytes).fill(0x61),
  };
}

/** Bodies with bytes that are not UTF-8: in JSON, in a GraphQL variable, and as a raw paste. */
export function invalidUtf8(n: number): BadRequest {
  const bad = Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);
  const prefix = enc.encode(
    '{"query":"mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }","variables":{"c":"',
  );
  const suffix = enc.encode('"}}');
  switch (n % 3) {
    case 0:
      return {
        kind: 'invalid UTF-8',
        path: '/graphql',
        headers: json,
        body: Uint8Array.from([...prefix, ...bad, ...suffix]),
      };
    case 1:
      // A lone surrogate escape: valid JSON, not valid Unicode text.
      return {
        kind: 'invalid UTF-8',
        path: '/graphql',
        headers: json,
        body: enc.encode('{"query":"mutation { createPaste(input: { content: \\"\\ud800x\\" }) { paste { id } } }"}'),
      };
    default:
      return {
        kind: 'invalid UTF-8',
        path: '/?expiry=10m',
        headers: { 'content-type': 'application/octet-stream' },
        body: bad,
      };
  }
}

/** Queries nested far past the depth limit: introspection chains, and raw brace towers past the token limit. */
export function deepQuery(n: number): BadRequest {
  if (n % 2 === 0) {
    const depth = 20 + (n % 80);
    const query = `{ __schema { types { ${'fields { type { ofType { '.repeat(depth)}name${' } } }'.repeat(depth)} } } }`;
    return { kind: 'deep query', path: '/graphql', headers: json, body: gqlBody(query) };
  }
  const depth = 2_000 + (n % 5_000);
  return {
    kind: 'deep query',
    path: '/graphql',
    headers: json,
    body: gqlBody(`${'{a'.repeat(depth)}${'}'.repeat(depth)}`),
  };
}

/** Alias floods (100–1,000 aliases) and field repetition (1,000–5,000 fields), each far over the limits. */
export function aliasFlood(n: number): BadRequest {
  const query =
    n % 2 === 0
      ? `{ ${Array.from({ length: 100 + (n % 900) }, (_, i) => `a${i}: languages { id name }`).join(' ')} }`
      : `{ languages { ${'id '.repeat(1_000 + (n % 4_000))} } }`;
  return { kind: 'alias flood', path: '/graphql', headers: json, body: gqlBody(query) };
}

/** A batch array of many operations (batching is off). */
export function batchFlood(n: number): BadRequest {
  return {
    kind: 'batch flood',
    path: '/graphql',
    headers: json,
    body: enc.encode(JSON.stringify(Array.from({ length: 100 + n }, () => ({ query: '{ languages { id } }' })))),
  };
}
