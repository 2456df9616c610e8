// The running mesh the fuzzer aims at, and the data its cases name: users, ordinary pastes, and burn-after-read
// pastes in two pools (protected: nothing but a reveal may burn them, and no case reveals them; revealable).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, introspectionFromSchema, type IntrospectionSchema } from 'graphql';
import { PasteService } from '@pastemesh/gen/paste';
import { createServiceClient, withBearer } from '@pastemesh/kit/rpc';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, signUp } from '../support/graphql.js';
import { POOLS } from './fuzz-values.js';
import type { RouteInfo } from './http-cases.js';
import { send } from './wire.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Account = Awaited<ReturnType<typeof signUp>>;

/** Routes the HTTP families aim at by name; anything else found in the source is fuzzed as a new route. */
const KNOWN_ROUTES = [
  '/',
  '/raw/:id',
  '/graphql',
  '/p/:id',
  '/login',
  '/register',
  '/mine',
  '/top',
  '/assets/:file',
  '/.well-known/jwks.json',
  '/healthz',
  '/readyz',
  '/metrics',
];

/** Route patterns registered in gateway/src (`app.get('/x', …)`, `url: '/x'`, the web client's PAGES). */
export function discoverRoutes(): RouteInfo[] {
  const found = new Map<string, Set<string>>();
  const add = (method: string, p: string) => found.set(p, (found.get(p) ?? new Set()).add(method.toUpperCase()));
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const file of walk(path.join(ROOT, 'gateway/src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /\.(get|post|put|patch|delete|head|options|all)\s*(?:<[^>]*>)?\(\s*['"`](\/[^'"`]*)['"`]/g,
    ))
      add(m[1]!, m[2]!);
    for (const m of text.matchAll(/url:\s*['"`](\/[^'"`]*)['"`]/g)) add('GET', m[1]!);
    for (const m of text.matchAll(/PAGES\s*=\s*\[([^\]]*)\]/g))
      for (const p of m[1]!.matchAll(/['"`](\/[^'"`]*)['"`]/g)) add('GET', p[1]!);
  }
  return [...found].map(([p, methods]) => ({ path: p, methods: [...methods] }));
}

/** The schema the gateway serves, from the file it is built from (introspection is off by default). */
export function loadSchema(): IntrospectionSchema {
  const sdl = fs.readFileSync(path.join(ROOT, 'gateway/src/schema/schema.graphql'), 'utf8');
  return introspectionFromSchema(buildSchema(sdl)).__schema;
}

export interface FuzzStack {
  stack: Stack;
  port: number;
  schema: IntrospectionSchema;
  languages: string[];
  assets: string[];
  routes: RouteInfo[];
  extraRoutes: RouteInfo[];
  /** Replaces `@@pool:key@@` placeholders with live values. */
  resolve(s: string): string;
  /** The current id in each protected slot (a slot is refilled when its paste is found burned). */
  protectedIds(): string[];
  /** Creates a fresh protected burn paste in `slot`; returns its id. */
  refillProtected(slot: number): Promise<string>;
  /** Which protected slots' pastes paste-svc no longer has (one BatchGetPastes, as their owner: PRIVATE ones too). */
  missingProtected(): Promise<number[]>;
  /** Every protected paste read through GetPaste: problems found (missing, not burn-after-read, not concealed). */
  checkProtectedThroughGetPaste(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the mesh (trusting one proxy hop, so the side loop can speak from its own address) and fills the pools. */
export async function startFuzzStack(): Promise<FuzzStack> {
  // One proxy hop trusted, so the side loop speaks from its own address (X-Forwarded-For). Downstream calls may
  // take 10 s instead of 2: this machine is shared, and a deadline missed because of someone else's build is
  // not a verdict on client input (cases slower than a second are listed instead).
  const stack = await startStack({
    mode: 'mysql',
    ports: 'random',
    env: { LOG_LEVEL: 'error' },
    serviceEnv: { gateway: { TRUST_PROXY_HOPS: '1', DOWNSTREAM_TIMEOUT_MS: '10000' } },
  });
  const url = stack.gatewayUrl;
  const port = stack.ports.gateway['http']!;
  const pasteClient = createServiceClient(PasteService, { address: stack.grpc.paste });
  try {
    const fuzz = await signUp(url, 'fuzzer');
    const owner = await signUp(url, 'owner');
    const languages = ((await gql(url, '{ languages { id } }')).data?.['languages'] ?? []).map(
      (l: { id: string }) => l.id,
    );

    const createGql = async (input: Record<string, unknown>, account?: Account) => {
      const res = await gql(
        url,
        'mutation($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } deleteToken } }',
        { input },
        account?.accessToken,
      );
      const created = res.data?.['createPaste'];
      if (!created) throw new Error(`fuzz set-up: createPaste failed: ${JSON.stringify(res.errors)}`);
      return created as { paste: { id: string }; deleteToken: string | null };
    };
    const createPlain = async (query: string, content: string) => {
      const res = await send(port, {
        method: 'POST',
        path: `/${query}`,
        headers: { 'user-agent': 'curl/8.5.0' },
        body: Buffer.from(content),
      });
      if (res.status !== 201) throw new Error(`fuzz set-up: POST /${query} answered ${res.status}: ${res.body}`);
      return res.body.trim().split('/').pop()!;
    };

    // Burn-after-read pastes of every kind: GraphQL and POST /, public, unlisted, private (an owner the fuzzer is not).
    const burnRecipes: ((label: string) => Promise<string>)[] = [
      async (l) => (await createGql({ content: `${l}: public burn`, burnAfterRead: true })).paste.id,
      async (l) =>
        (await createGql({ content: `${l}: unlisted burn`, burnAfterRead: true, visibility: 'UNLISTED' })).paste.id,
      async (l) =>
        (await createGql({ content: `${l}: private burn`, burnAfterRead: true, visibility: 'PRIVATE' }, owner)).paste
          .id,
      async (l) => createPlain('?burn=1', `${l}: curl burn`),
      async (l) => createPlain('?burn=true&visibility=unlisted&expiry=1d', `${l}: curl unlisted burn`),
      async (l) =>
        (
          await createGql(
            {
              content: `${l}: titled burn`,
              burnAfterRead: true,
              title: 'owner burn',
              language: languages[0] ?? 'auto',
              expiry: 'ONE_DAY',
            },
            owner,
          )
        ).paste.id,
    ];
    const recipe = (slot: number) => burnRecipes[slot % burnRecipes.length]!;
    const protectedIds: string[] = [];
    for (let i = 0; i < POOLS.protected; i++) protectedIds.push(await recipe(i)(`protected ${i}`));
    const revealable: string[] = [];
    for (let i = 0; i < POOLS.revealable; i++) revealable.push(await recipe(i)(`revealable ${i}`));

    const versioned = (await createGql({ content: 'fuzz user paste v1', title: 'v1' }, fuzz)).paste.id;
    await gql(
      url,
      'mutation($input: UpdatePasteInput!) { updatePaste(input: $input) { id } }',
      { input: { id: versioned, content: 'fuzz user paste v2' } },
      fuzz.accessToken,
    );
    const deletable = await createGql({ content: 'deletable with its token' });
    const pastes = [
      (await createGql({ content: 'anonymous public paste' })).paste.id,
      await createPlain('?visibility=unlisted', 'anonymous unlisted paste'),
      versioned,
      (await createGql({ content: 'fuzz user private paste', visibility: 'PRIVATE' }, fuzz)).paste.id,
      (await createGql({ content: "someone else's private paste", visibility: 'PRIVATE' }, owner)).paste.id,
      deletable.paste.id,
    ];
    const key = (
      await gql(url, 'mutation { createApiKey(name: "fuzz") { apiKey { id } secret } }', {}, fuzz.accessToken)
    ).data?.['createApiKey'];
    const cursor =
      (await gql(url, '{ pastes(first: 1) { pageInfo { endCursor } } }')).data?.['pastes']?.pageInfo?.endCursor ?? '';
    const tampered = fuzz.accessToken.slice(0, -4) + (fuzz.accessToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');

    let emails = 0;
    const values: Record<string, (key: string) => string | undefined> = {
      protected: (k) => protectedIds[Number(k)],
      revealable: (k) => revealable[Number(k)],
      paste: (k) => pastes[Number(k)],
      user: (k) => [fuzz.userId, owner.userId][Number(k)],
      apikey: () => key?.apiKey?.id,
      secret: () => key?.secret,
      token: () => fuzz.accessToken,
      tampered: () => tampered,
      refresh: () => fuzz.refreshToken,
      deletetoken: () => deletable.deleteToken ?? '',
      cursor: () => cursor,
      email: (k) => (k === 'fuzz' ? fuzz.email : `fuzz.${Date.now().toString(36)}.${++emails}@example.test`),
      password: () => fuzz.password,
      size: (k) => 'a'.repeat(Number(k)),
      sizeu: (k) => 'é'.repeat(Number(k)),
    };
    const resolve = (s: string) =>
      s.includes('@@') ? s.replace(/@@([a-z]+):([^@]*)@@/g, (m, pool: string, k: string) => values[pool]?.(k) ?? m) : s;
    const asOwner = () => withBearer(owner.accessToken, 30_000);

    const routes = discoverRoutes();
    const distAssets = path.join(ROOT, 'gateway/web/dist/assets');
    return {
      stack,
      port,
      schema: loadSchema(),
      languages,
      assets: fs.existsSync(distAssets) ? fs.readdirSync(distAssets) : [],
      routes,
      extraRoutes: routes.filter((r) => !KNOWN_ROUTES.includes(r.path)),
      resolve,
      protectedIds: () => [...protectedIds],
      async refillProtected(slot) {
        protectedIds[slot] = await recipe(slot)(`protected ${slot} (refilled)`);
        return protectedIds[slot]!;
      },
      async missingProtected() {
        const res = await pasteClient.client.batchGetPastes({ ids: protectedIds, withContent: false }, asOwner());
        const present = new Set(res.pastes.map((p) => p.id));
        return protectedIds.flatMap((id, slot) => (present.has(id) ? [] : [slot]));
      },
      async checkProtectedThroughGetPaste() {
        const problems: string[] = [];
        for (const [slot, id] of protectedIds.entries()) {
          try {
            const { paste } = await pasteClient.client.getPaste({ id }, asOwner());
            if (!paste?.burnAfterRead) problems.push(`protected ${slot} (${id}) is no longer burn-after-read`);
            else if (!paste.contentConcealed)
              problems.push(`protected ${slot} (${id}): GetPaste answered it without content_concealed`);
          } catch (err) {
            problems.push(`protected ${slot} (${id}): GetPaste failed: ${String(err)}`);
          }
        }
        return problems;
      },
      async stop() {
        pasteClient.close();
        await stack.stop();
      },
    };
  } catch (err) {
    pasteClient.close();
    await stack.stop();
    throw err;
  }
}
