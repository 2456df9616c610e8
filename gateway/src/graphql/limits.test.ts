import { describe, expect, it } from '@jest/globals';
import { createLogger, createMetrics, createTracing } from '@pastemesh/kit/observability';
import { loadGatewayConfig } from '../config.js';
import { createApollo } from './apollo.js';

const logger = createLogger('limits-test', 'silent');

/** Runs one document through Apollo's parse/validate with the given limits; returns the error messages. */
async function errorsFor(query: string, env: Record<string, string>): Promise<string[]> {
  const apollo = createApollo(
    loadGatewayConfig({ NODE_ENV: 'test', ...env }),
    createMetrics('limits-test'),
    logger,
    createTracing('limits-test'),
  );
  await apollo.start();
  try {
    const res = await apollo.executeOperation(
      { query },
      { contextValue: { caller: { trace: { requestId: 'test', traceId: undefined, traceHeaders: {} } } } as never },
    );
    if (res.body.kind !== 'single') throw new Error('unexpected incremental response');
    return (res.body.singleResult.errors ?? []).map((e) => e.message);
  } catch (err) {
    // The token limit stops the parser itself; over HTTP that is a 400 with the same message.
    return [(err as Error).message];
  } finally {
    await apollo.stop();
  }
}

/** True when a message is one of graphql-armor's limit rejections. */
const isLimit = (m: string) => /depth|alias|token|cost|directive/i.test(m) && /limit|exceed|max|more th/i.test(m);

describe('GraphQL query limits', () => {
  it('accepts a query exactly at the depth limit and rejects one level deeper', async () => {
    // pastes(1) > edges(2) > node(3) > __typename(4)
    const atLimit = await errorsFor('{ pastes { edges { node { __typename } } } }', { GRAPHQL_MAX_DEPTH: '4' });
    expect(atLimit.filter(isLimit)).toEqual([]);
    const above = await errorsFor('{ pastes { edges { node { author { __typename } } } } }', {
      GRAPHQL_MAX_DEPTH: '4',
    });
    expect(above.filter(isLimit)).toHaveLength(1);
  });

  it('accepts exactly the alias limit and rejects one more alias', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: languages { id }`).join(' ')} }`;
    expect((await errorsFor(aliases(15), { GRAPHQL_MAX_ALIASES: '15' })).filter(isLimit)).toEqual([]);
    expect((await errorsFor(aliases(16), { GRAPHQL_MAX_ALIASES: '15' })).filter(isLimit)).toHaveLength(1);
  });

  it('accepts exactly the token limit and rejects one more token', async () => {
    // "{", n × "__typename", "}" = n + 2 tokens.
    const tokens = (n: number) => `{ ${'__typename '.repeat(n - 2)}}`;
    expect((await errorsFor(tokens(50), { GRAPHQL_MAX_TOKENS: '50' })).filter(isLimit)).toEqual([]);
    expect((await errorsFor(tokens(51), { GRAPHQL_MAX_TOKENS: '50' })).filter(isLimit)).toHaveLength(1);
  });

  it('accepts a query whose cost equals the limit and rejects it one below', async () => {
    const query = '{ pastes { edges { node { id title author { displayName } stats { totalViews } } } } }';
    const probe = await errorsFor(query, { GRAPHQL_MAX_COST: '1' });
    const cost = Math.ceil(Number(/found (\d+(?:\.\d+)?)/i.exec(probe.find(isLimit) ?? '')?.[1]));
    expect(cost).toBeGreaterThan(1);
    expect((await errorsFor(query, { GRAPHQL_MAX_COST: String(cost) })).filter(isLimit)).toEqual([]);
    expect((await errorsFor(query, { GRAPHQL_MAX_COST: String(cost - 1) })).filter(isLimit)).toHaveLength(1);
  });

  it('hides field suggestions unless GRAPHQL_INTROSPECTION=true, whatever NODE_ENV says', async () => {
    const dev = await errorsFor('{ pastez { edges { cursor } } }', { GRAPHQL_INTROSPECTION: 'true' });
    expect(dev.join(' ')).toMatch(/Did you mean/);
    const prod = await errorsFor('{ pastez { edges { cursor } } }', { NODE_ENV: 'development' });
    expect(prod.join(' ')).not.toMatch(/Did you mean/);
    expect(prod).toContain('Cannot query field "pastez" on type "Query".');
  });
});
