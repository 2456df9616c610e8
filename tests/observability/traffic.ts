// Background traffic for the monitoring suites: each round does what users do and what makes every panel's
// series move: a sign-in, a create, reads through GraphQL (twice: the hot cache's miss, then its hit) and as raw
// text, statistics (analytics-svc), a read of a paste that does not exist, bad input, a wrong password.
import { BROWSER_UA, createPaste, gql, signUp, type Account } from '../support/graphql.js';

/** A running traffic loop. */
export interface Traffic {
  /** Rounds completed so far. */
  rounds(): number;
  /** Requests that got no answer or an unexpected one (the first few, for failure messages). */
  failures(): string[];
  stop(): Promise<void>;
}

const MAX_FAILURES_KEPT = 20;

/** Starts rounds of traffic against the gateway at `gatewayUrl`, `pauseMs` apart, until stopped. */
export function startTraffic(gatewayUrl: string, pauseMs = 150): Traffic {
  let stopped = false;
  let rounds = 0;
  const failures: string[] = [];
  const note = (what: string, err: unknown) => {
    if (failures.length < MAX_FAILURES_KEPT) failures.push(`${what}: ${String(err)}`);
  };
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      note(what, err);
    }
  };

  async function round(account: Account): Promise<void> {
    await step('login', () =>
      gql(gatewayUrl, 'mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', {
        e: account.email,
        p: account.password,
      }),
    );
    let id: string | undefined;
    await step('create', async () => {
      id = await createPaste(gatewayUrl, { content: `traffic round ${rounds} ${Date.now()}`, expiry: 'ONE_HOUR' });
    });
    if (id) {
      const read = 'query ReadPaste($id: ID!) { paste(id: $id) { id content } }';
      await step('read', () => gql(gatewayUrl, read, { id }));
      await step('read again', () => gql(gatewayUrl, read, { id }));
      await step('raw read', async () => {
        const res = await fetch(`${gatewayUrl}/raw/${id}`, {
          headers: { 'user-agent': BROWSER_UA },
          signal: AbortSignal.timeout(10_000),
        });
        await res.text();
      });
      await step('stats', () =>
        gql(gatewayUrl, 'query PasteStats($id: ID!) { paste(id: $id) { stats { totalViews } } }', { id }),
      );
    }
    await step('top pastes', () => gql(gatewayUrl, 'query TopPastes { topPastes(window: DAY) { views } }'));
    await step('missing paste', () =>
      gql(gatewayUrl, 'query ReadPaste($id: ID!) { paste(id: $id) { id } }', { id: 'AAAAAAAAAAA' }),
    );
    await step('bad input', () =>
      gql(
        gatewayUrl,
        'mutation CreatePaste($input: CreatePasteInput!) { createPaste(input: $input) { deleteToken } }',
        {
          input: { content: '' },
        },
      ),
    );
    await step('wrong password', () =>
      gql(gatewayUrl, 'mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', {
        e: account.email,
        p: 'not the password',
      }),
    );
  }

  const loop = (async () => {
    let account: Account | undefined;
    while (!stopped) {
      if (!account) {
        try {
          account = await signUp(gatewayUrl, 'traffic');
        } catch (err) {
          note('sign-up', err);
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
      }
      await round(account);
      rounds += 1;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();

  return {
    rounds: () => rounds,
    failures: () => [...failures],
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
