// Valid traffic from another client address while the fuzzer runs: creates and reads pastes through GraphQL
// and plain HTTP; every one of its requests must succeed.
import { BROWSER_UA } from '../support/graphql.js';
import { SIDE_LOOP_IP } from './fuzz-values.js';
import type { FuzzStack } from './fuzz-stack.js';
import { send, type CompiledRequest, type WireResult } from './wire.js';

export interface SideFailure {
  what: string;
  problem: string;
  /** The fuzz case running when it failed. */
  during: string;
}

export interface SideLoopReport {
  requests: number;
  iterations: number;
  failures: SideFailure[];
}

const HEADERS = { 'x-forwarded-for': SIDE_LOOP_IP, 'user-agent': BROWSER_UA };

/** Starts the loop; `stop()` ends it after the current iteration and reports. */
export function startSideLoop(fuzz: FuzzStack, during: () => string) {
  let stopping = false;
  let requests = 0;
  let iterations = 0;
  const failures: SideFailure[] = [];

  const call = async (
    what: string,
    req: CompiledRequest,
    check: (r: WireResult) => string | undefined,
  ): Promise<WireResult | undefined> => {
    requests += 1;
    const at = during();
    const r = await send(fuzz.port, req);
    const problem = r.status === null ? `no response (${r.error})` : check(r);
    if (!problem) return r;
    failures.push({
      what,
      problem: `${problem}; answered ${r.status} ${JSON.stringify(r.body.slice(0, 300))}`,
      during: at,
    });
    return undefined;
  };
  const graphql = (query: string, variables: Record<string, unknown>): CompiledRequest => ({
    method: 'POST',
    path: '/graphql',
    headers: { ...HEADERS, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ query, variables })),
  });
  const json = (r: WireResult) => {
    try {
      return JSON.parse(r.body) as { data?: Record<string, any>; errors?: unknown[] };
    } catch {
      return {};
    }
  };

  async function iteration(n: number): Promise<void> {
    const content = `side loop ${n} ${Math.random().toString(36).slice(2)}\n`;
    const created = await call(
      'GraphQL createPaste',
      graphql('mutation($c: String!) { createPaste(input: { content: $c, expiry: ONE_HOUR }) { paste { id } } }', {
        c: content,
      }),
      (r) =>
        r.status === 200 && json(r).data?.['createPaste']?.paste?.id && !json(r).errors
          ? undefined
          : 'createPaste failed',
    );
    const id = created && (json(created).data?.['createPaste'].paste.id as string);
    if (id) {
      await call(
        `GraphQL paste(${id}) { content }`,
        graphql('query($id: ID!) { paste(id: $id) { content } }', { id }),
        (r) => (r.status === 200 && json(r).data?.['paste']?.content === content ? undefined : 'wrong or no content'),
      );
      await call(`GET /raw/${id}`, { method: 'GET', path: `/raw/${id}`, headers: HEADERS, body: undefined }, (r) =>
        r.status === 200 && r.body === content ? undefined : 'wrong or no content',
      );
    }
    const plainContent = `side loop plain ${n} ${Math.random().toString(36).slice(2)}\n`;
    const posted = await call(
      'POST /?expiry=1h',
      { method: 'POST', path: '/?expiry=1h', headers: HEADERS, body: Buffer.from(plainContent) },
      (r) => (r.status === 201 && /\/p\/[0-9A-Za-z]{11}\s*$/.test(r.body) ? undefined : 'paste not created'),
    );
    const plainId = posted?.body.trim().split('/').pop();
    if (plainId) {
      await call(
        `GET /raw/${plainId}`,
        { method: 'GET', path: `/raw/${plainId}`, headers: HEADERS, body: undefined },
        (r) => (r.status === 200 && r.body === plainContent ? undefined : 'wrong or no content'),
      );
    }
  }

  const loop = (async () => {
    while (!stopping) {
      iterations += 1;
      await iteration(iterations);
      await new Promise((r) => setTimeout(r, 30));
    }
  })();

  return {
    async stop(): Promise<SideLoopReport> {
      stopping = true;
      await loop;
      return { requests, iterations, failures };
    },
  };
}
