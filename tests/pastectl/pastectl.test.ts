// pastectl end to end: the CLI against the running services over plain gRPC, authenticated with API keys.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PasteService } from '@pastemesh/gen/paste';
import { createServiceClient, withBearer } from '@pastemesh/kit/rpc';
import { startStack, type Stack } from '../../scripts/stack.js';
import { BROWSER_UA, gqlOk as gql, metricValue, registerUser } from '../support/graphql.js';
import { runBinary, runInProcess, type RunOptions } from './run-pastectl.js';

// The gateway's deadline for its calls to the services: its 2 s default is for production; these suites test
// behaviour, not latency, and a loaded machine (CI beside other work) once took longer than 2 s for a create.
const DOWNSTREAM_TIMEOUT_MS = '10000';

const ADMIN_EMAIL = `ops-${Date.now()}@example.test`;

let stack: Stack;
let env: Record<string, string>;
let adminKey: string;
let alice: { key: string; userId: string; email: string };
let bob: { key: string; userId: string; email: string };

async function userWithKey(label: string, email?: string) {
  const user = await registerUser(stack.gatewayUrl, label, email);
  const data = await gql<{ createApiKey: { secret: string } }>(
    stack.gatewayUrl,
    'mutation { createApiKey(name: "pastectl test") { secret } }',
    {},
    user.accessToken,
  );
  return { key: data.createApiKey.secret, userId: user.userId, email: user.email };
}

/** pastectl in-process, pointed at the stack through the documented environment variables. */
const run = (argv: string[], key: string | undefined, options: RunOptions = {}) =>
  runInProcess(argv, { ...options, env: { ...env, ...(key ? { PASTEMESH_API_KEY: key } : {}), ...options.env } });

/** GetPaste calls paste-svc has answered, from its admin port's metrics. */
async function getPasteCalls(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports.paste['admin']}/metrics`)).text();
  return metricValue(text, 'grpc_server_handled_total', { grpc_method: 'GetPaste' });
}

beforeAll(async () => {
  stack = await startStack({
    mode: 'mysql',
    ports: 'random',
    env: { LOG_LEVEL: 'warn' },
    serviceEnv: { auth: { ADMIN_EMAILS: ADMIN_EMAIL }, gateway: { DOWNSTREAM_TIMEOUT_MS } },
  });
  env = {
    AUTH_SVC_URL: stack.grpc.auth,
    PASTE_SVC_URL: stack.grpc.paste,
    ANALYTICS_SVC_URL: stack.grpc.analytics,
    PASTEMESH_PUBLIC_URL: stack.gatewayUrl,
  };
  adminKey = (await userWithKey('ops', ADMIN_EMAIL)).key;
  // ADMIN_EMAILS promotes accounts that exist when auth-svc starts (never at registration): restart it, as an operator would.
  await stack.stopService('auth');
  await stack.startService('auth');
  alice = await userWithKey('alice');
  bob = await userWithKey('bob');
}, 90_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

describe('pastectl', () => {
  it('prints help naming every command and the exit codes, and exits 2 for an unknown command', async () => {
    const help = await run(['--help'], undefined);
    expect(help.code).toBe(0);
    for (const cmd of [
      'paste get',
      'paste create',
      'paste delete',
      'paste list',
      'stats top',
      'stats paste',
      'user make-admin',
      'health',
    ])
      expect(help.stdout).toContain(cmd);
    expect(help.stdout).toContain('Exit codes:');
    expect((await run(['paste', 'create', '--help'], undefined)).stdout).toContain('--burn-after-read');
    const bad = await run(['paste', 'frob'], undefined);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "paste frob"');
  });

  it('reports every service SERVING, and exits 8 naming a service that cannot be reached', async () => {
    const ok = await run(['health'], undefined);
    expect(ok.code).toBe(0);
    expect(ok.stdout.match(/SERVING/g)?.length).toBeGreaterThanOrEqual(3);
    const down = await run(['--json', 'health', '--analytics-addr', '127.0.0.1:1', '--timeout', '2000'], undefined);
    expect(down.code).toBe(8);
    const report = JSON.parse(down.stdout) as { healthy: boolean; services: { service: string; status: string }[] };
    expect(report.healthy).toBe(false);
    expect(report.services.find((s) => s.service === 'analytics-svc')!.status).toBe('UNREACHABLE');
    expect(report.services.find((s) => s.service === 'paste-svc')!.status).toBe('SERVING');
  });

  it('creates a paste from standard input and reads it back as text, JSON and exact bytes', async () => {
    const content = 'héllo ✓\nsecond line\n';
    const created = await run(
      [
        'paste',
        'create',
        '--title',
        'cli test',
        '--language',
        'markdown',
        '--visibility',
        'unlisted',
        '--expiry',
        '1d',
      ],
      alice.key,
      { stdin: content },
    );
    expect(created.code).toBe(0);
    const id = /Created paste (\w+)/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(`${stack.gatewayUrl}/p/${id}`);
    expect(created.stdout).not.toContain('delete token');

    const human = await run(['paste', 'get', id], undefined);
    expect(human.stdout).toMatch(/title:\s+cli test/);
    expect(human.stdout).toMatch(/visibility:\s+unlisted/);
    expect(human.stdout).toContain(`owner:           ${alice.userId}`);
    expect(human.stdout.endsWith(`\n${content}`)).toBe(true);
    const json = JSON.parse((await run(['--json', 'paste', 'get', id], undefined)).stdout) as {
      paste: Record<string, unknown>;
    };
    expect(json.paste).toMatchObject({
      id,
      title: 'cli test',
      language: 'markdown',
      visibility: 'UNLISTED',
      content,
      ownerId: alice.userId,
      version: 1,
    });
    expect((await run(['paste', 'get', id, '--raw'], undefined)).stdout).toBe(content);
  });

  it('shows a burn-after-read paste concealed and intact however often it is read, until --reveal reads and burns it', async () => {
    const created = JSON.parse(
      (await run(['--json', 'paste', 'create', '--burn-after-read'], alice.key, { stdin: 'read me once' })).stdout,
    ) as { paste: { id: string } };
    const id = created.paste.id;
    const calls = getPasteCalls();
    for (let i = 0; i < 3; i++) {
      const held = await run(['paste', 'get', id], undefined);
      expect(held.code).toBe(0);
      expect(held.stdout).toContain('content concealed');
      expect(held.stdout).toMatch(/size:\s+concealed/);
      expect(held.stdout).not.toContain('read me once');
    }
    // One GetPaste per `paste get`: no separate metadata call.
    expect(await getPasteCalls()).toBe((await calls) + 3);
    const json = JSON.parse((await run(['--json', 'paste', 'get', id], undefined)).stdout) as {
      paste: Record<string, unknown>;
      contentWithheld?: string;
    };
    expect(json).toMatchObject({
      paste: { id, burnAfterRead: true, contentConcealed: true, sizeBytes: null, sha256: null },
      contentWithheld: 'burn-after-read',
    });
    expect(json.paste).not.toHaveProperty('content');
    expect((await run(['paste', 'get', id, '--raw'], undefined)).code).toBe(2);
    expect((await run(['paste', 'get', id, '--reveal', '--version', '1'], undefined)).code).toBe(2);
    expect((await run(['paste', 'get', id, '--reveal', '--meta'], undefined)).code).toBe(2);
    const revealed = await run(['paste', 'get', id, '--reveal'], undefined);
    expect(revealed.code).toBe(0);
    expect(revealed.stdout).toContain('read me once');
    expect(revealed.stdout).toMatch(/size:\s+12 B/);
    const gone = await run(['paste', 'get', id], undefined);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('NOT_FOUND');
  });

  it('reads an older version with one GetPaste call, and --reveal of an ordinary paste deletes nothing', async () => {
    const id = JSON.parse((await run(['--json', 'paste', 'create'], alice.key, { stdin: 'first version\n' })).stdout)
      .paste.id as string;
    const { client, close } = createServiceClient(PasteService, { address: stack.grpc.paste });
    try {
      await client.updatePaste({ id, content: new TextEncoder().encode('second version\n') }, withBearer(alice.key));
    } finally {
      close();
    }
    const calls = getPasteCalls();
    const v1 = await run(['paste', 'get', id, '--version', '1', '--raw'], undefined);
    expect(v1.stdout).toBe('first version\n');
    expect(await getPasteCalls()).toBe((await calls) + 1);
    const revealed = await run(['paste', 'get', id, '--reveal', '--raw'], undefined);
    expect(revealed.stdout).toBe('second version\n');
    expect((await run(['paste', 'get', id, '--raw'], undefined)).stdout).toBe('second version\n');
  });

  it('deletes an anonymous paste with its delete token, refuses another user, and exits 3 once it is gone', async () => {
    const created = JSON.parse(
      (await run(['--json', 'paste', 'create'], undefined, { stdin: 'anonymous' })).stdout,
    ) as { paste: { id: string }; deleteToken: string };
    expect(created.deleteToken.length).toBeGreaterThan(20);
    const refused = await run(['paste', 'delete', created.paste.id], bob.key);
    expect(refused.code).toBe(4);
    const deleted = await run(['paste', 'delete', created.paste.id, '--delete-token', created.deleteToken], undefined);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`Deleted paste ${created.paste.id}.\n`);
    expect(
      (await run(['paste', 'delete', created.paste.id, '--delete-token', created.deleteToken], undefined)).code,
    ).toBe(3);
  });

  it("lists all of a user's pastes across pages (private ones only for the owner), with progress only on a terminal", async () => {
    const owner = await userWithKey('lister');
    for (let i = 0; i < 104; i++)
      await run(['paste', 'create', '--title', `note ${i}`], owner.key, { stdin: `note ${i}` });
    await run(['paste', 'create', '--title', 'private note', '--visibility', 'private'], owner.key, {
      stdin: 'private',
    });

    const mine = await run(['--json', 'paste', 'list', '--user', 'me', '--all'], owner.key, { stderrIsTTY: true });
    expect(mine.code).toBe(0);
    const listed = JSON.parse(mine.stdout) as { pastes: { title: string }[]; nextPageToken: string | null };
    expect(listed.pastes).toHaveLength(105);
    expect(listed.pastes[0]!.title).toBe('private note');
    expect(listed.nextPageToken).toBeNull();
    expect(mine.stderr).toContain('fetched 100 pastes (1 page)');
    expect(mine.stderr.endsWith('\r\x1b[2K')).toBe(true);

    const quiet = await run(['paste', 'list', '--user', owner.userId, '--all'], bob.key);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('104 pastes');
    expect(quiet.stdout).not.toContain('private note');
    const firstPage = await run(['paste', 'list', '--user', owner.userId], bob.key);
    expect(firstPage.stdout).toContain('20 pastes');
    expect(firstPage.stdout).toContain('more with --all');
  }, 60_000);

  it("reports a paste's views and ranks it among the top pastes", async () => {
    const id = JSON.parse(
      (await run(['--json', 'paste', 'create', '--title', 'watched'], alice.key, { stdin: 'watch me' })).stdout,
    ).paste.id as string;
    // Three people's browsers (isbot counts a bare 'reader-0' as a bot, which is no view).
    for (let i = 0; i < 3; i++)
      await fetch(`${stack.gatewayUrl}/raw/${id}`, {
        headers: { 'user-agent': BROWSER_UA.replace('Firefox/133.0', `Firefox/133.${i}`) },
      });
    let stats: { totalViews: number; uniqueViewers: number; viewsPerDay: unknown[] } = {
      totalViews: 0,
      uniqueViewers: 0,
      viewsPerDay: [],
    };
    // Views reach analytics-svc in batches (every 250 ms by default).
    for (
      const deadline = Date.now() + 15_000;
      stats.totalViews < 3 && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 200))
    ) {
      stats = JSON.parse((await run(['--json', 'stats', 'paste', id], undefined)).stdout);
    }
    expect(stats.totalViews).toBe(3);
    expect(stats.uniqueViewers).toBe(3);
    expect(stats.viewsPerDay).toHaveLength(30);
    expect((await run(['stats', 'paste', id], undefined)).stdout).toMatch(/total views:\s+3/);
    const top = await run(['stats', 'top', '--window', 'day', '--limit', '100'], undefined);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(new RegExp(`\\d+\\s+3\\s+${id}\\s+watched`));
  }, 30_000);

  it('grants and revokes the admin role by email with an admin key, and refuses a non-admin key with exit 4', async () => {
    const refused = await run(['user', 'make-admin', bob.email], alice.key);
    expect(refused.code).toBe(4);
    const granted = await run(['--json', 'user', 'make-admin', bob.email], adminKey);
    expect(granted.code).toBe(0);
    expect(JSON.parse(granted.stdout)).toMatchObject({ userId: bob.userId, roles: expect.arrayContaining(['admin']) });
    const revoked = await run(['user', 'make-admin', bob.userId, '--revoke'], adminKey);
    expect(revoked.stdout).toContain('is no longer an admin');
    expect((await run(['user', 'make-admin', 'nobody@example.test'], adminKey)).code).toBe(3);
    expect((await run(['user', 'make-admin', bob.email], undefined)).code).toBe(4);
  });

  it('runs as the installed binary: key and addresses from the environment, stdin piped, errors as JSON with --json', async () => {
    const binEnv = { ...env, PASTEMESH_API_KEY: alice.key };
    const created = await runBinary(['paste', 'create', '-', '--title', 'from a pipe'], {
      env: binEnv,
      stdin: 'piped content\n',
    });
    expect(created.code).toBe(0);
    const id = /Created paste (\w+)/.exec(created.stdout)![1]!;
    const raw = await runBinary(['paste', 'get', id, '--raw'], { env: binEnv });
    expect(raw.stdout).toBe('piped content\n');
    const missing = await runBinary(['--json', 'paste', 'get', 'AAAAAAAAAAA'], { env: binEnv });
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', exitCode: 3 } });
    const badKey = await runBinary(['paste', 'list', '--user', 'me'], {
      env: { ...env, PASTEMESH_API_KEY: 'pm_not_a_real_key' },
    });
    expect(badKey.code).toBe(4);
    expect(badKey.stderr).toContain('UNAUTHENTICATED');
    // Four processes, each starting tsx: seconds apiece on a loaded machine.
  }, 120_000);
});
