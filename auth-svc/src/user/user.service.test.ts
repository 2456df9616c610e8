import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '@connectrpc/connect';
import { toJsonString } from '@bufbuild/protobuf';
import { Role, UserSchema } from '@pastemesh/gen/auth';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { runMakeAdmin } from '../run-make-admin.js';
import {
  failure,
  registerUser,
  startAuth,
  uniqueEmail,
  withBearer,
  type AuthHarness,
} from '../testing/auth-harness.js';

const run = promisify(execFile);
const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.each(STORAGE_MODES)('users and roles (%s)', (mode) => {
  let auth: AuthHarness;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  const ADMIN = uniqueEmail('admin');
  beforeAll(async () => {
    // The documented way: register the account, list it in ADMIN_EMAILS, restart, sign in again.
    auth = await startAuth(mode, 'auth_users');
    const registered = await registerUser(auth.client, { email: ADMIN });
    await auth.restart({ ADMIN_EMAILS: ADMIN });
    const { tokens } = await auth.client.login({ email: ADMIN, password: registered.password });
    admin = { ...registered, accessToken: tokens!.accessToken, refreshToken: tokens!.refreshToken };
  });
  afterAll(async () => auth?.close());

  it('returns a public profile without the email, and NOT_FOUND for an unknown id', async () => {
    const { userId } = await registerUser(auth.client, { displayName: 'Grace' });
    const { user } = await auth.client.getUser({ id: userId });
    expect(user).toMatchObject({ id: userId, displayName: 'Grace' });
    expect(user?.createTime).toBeDefined();
    expect(toJsonString(UserSchema, user!)).not.toContain('@');
    expect(await failure(auth.client.getUser({ id: 'nobody' }))).toMatchObject({
      code: Code.NotFound,
      reason: 'USER_NOT_FOUND',
    });
    expect(await failure(auth.client.getUser({ id: '' }))).toMatchObject({ code: Code.InvalidArgument, field: 'id' });
  });

  it('batch-gets profiles, tolerating duplicates and leaving unknown ids out', async () => {
    const a = await registerUser(auth.client);
    const b = await registerUser(auth.client);
    const { users } = await auth.client.batchGetUsers({ ids: [a.userId, 'ghost', b.userId, a.userId] });
    expect(users.map((u) => u.id).sort()).toEqual([a.userId, b.userId].sort());
    expect((await auth.client.batchGetUsers({ ids: [] })).users).toEqual([]);
  });

  it('refuses ids over 64 characters in GetUser, BatchGetUsers and SetUserRole, naming the field and the limit', async () => {
    const long = 'u'.repeat(65);
    expect(await failure(auth.client.getUser({ id: long }))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'id',
      limit: 64,
      message: 'id: at most 64 characters (got 65)',
    });
    expect(await failure(auth.client.getUser({ id: 'x'.repeat(100_000) }))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'id',
      limit: 64,
    });
    const batch = await failure(auth.client.batchGetUsers({ ids: [admin.userId, '', long] }));
    expect(batch).toMatchObject({
      code: Code.InvalidArgument,
      field: 'ids',
      limit: 64,
      message: 'ids: each at most 64 characters (ids[2] has 65)',
    });
    const role = await failure(auth.client.setUserRole({ userId: long, admin: true }, withBearer(admin.accessToken)));
    expect(role).toMatchObject({ code: Code.InvalidArgument, field: 'user_id', limit: 64 });
    // 64 is still a (merely unknown) id.
    expect(await failure(auth.client.getUser({ id: 'u'.repeat(64) }))).toMatchObject({ code: Code.NotFound });
  });

  it('refuses a batch of more than 500 ids, naming the limit', async () => {
    expect((await auth.client.batchGetUsers({ ids: Array.from({ length: 500 }, (_, i) => `id-${i}`) })).users).toEqual(
      [],
    );
    const err = await failure(auth.client.batchGetUsers({ ids: Array.from({ length: 501 }, (_, i) => `id-${i}`) }));
    expect(err).toMatchObject({
      code: Code.InvalidArgument,
      field: 'ids',
      limit: 500,
      message: 'ids: at most 500 (got 501)',
    });
  });

  it('returns the caller’s own account, email and roles included, and UNAUTHENTICATED without a credential', async () => {
    const { accessToken, email } = await registerUser(auth.client);
    const { account } = await auth.client.getCurrentUser({}, withBearer(accessToken));
    expect(account).toMatchObject({ email, roles: [Role.USER] });
    expect(await failure(auth.client.getCurrentUser({}))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'UNAUTHENTICATED',
    });
  });

  it('lets an admin grant and remove admin by email or by id', async () => {
    const target = await registerUser(auth.client);
    const granted = await auth.client.setUserRole(
      { email: target.email.toUpperCase(), admin: true },
      withBearer(admin.accessToken),
    );
    expect(granted.account?.roles).toEqual([Role.USER, Role.ADMIN]);
    const removed = await auth.client.setUserRole(
      { userId: target.userId, admin: false },
      withBearer(admin.accessToken),
    );
    expect(removed.account?.roles).toEqual([Role.USER]);
    expect((await auth.client.getCurrentUser({}, withBearer(target.accessToken))).account?.roles).toEqual([Role.USER]);
  });

  it('refuses SetUserRole to a non-admin with PERMISSION_DENIED', async () => {
    const user = await registerUser(auth.client);
    const err = await failure(
      auth.client.setUserRole({ userId: user.userId, admin: true }, withBearer(user.accessToken)),
    );
    expect(err).toMatchObject({ code: Code.PermissionDenied, reason: 'ADMIN_REQUIRED' });
    expect(await failure(auth.client.setUserRole({ userId: user.userId, admin: true }))).toMatchObject({
      code: Code.Unauthenticated,
    });
  });

  it('refuses a demoted admin whose access token still says admin', async () => {
    const former = await registerUser(auth.client);
    await auth.client.setUserRole({ userId: former.userId, admin: true }, withBearer(admin.accessToken));
    const { tokens } = await auth.client.refreshToken({ refreshToken: former.refreshToken });
    await auth.client.setUserRole({ userId: former.userId, admin: false }, withBearer(admin.accessToken));
    const err = await failure(
      auth.client.setUserRole({ userId: admin.userId, admin: false }, withBearer(tokens!.accessToken)),
    );
    expect(err).toMatchObject({ code: Code.PermissionDenied, reason: 'ADMIN_REQUIRED' });
  });

  it('answers SetUserRole for an unknown user with NOT_FOUND and without a target with INVALID_ARGUMENT', async () => {
    expect(
      await failure(
        auth.client.setUserRole({ email: uniqueEmail('ghost'), admin: true }, withBearer(admin.accessToken)),
      ),
    ).toMatchObject({
      code: Code.NotFound,
      reason: 'USER_NOT_FOUND',
    });
    expect(await failure(auth.client.setUserRole({ admin: true }, withBearer(admin.accessToken)))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'user_id',
    });
  });

  it('makes an admin with make-admin on the same storage, and refuses an email with no account', async () => {
    // make-admin's own code in-process (runMakeAdmin, what the script runs), on this storage.
    const user = await registerUser(auth.client);
    const lines = { out: [] as string[], err: [] as string[] };
    const io = { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) };
    expect(await runMakeAdmin([user.email.toUpperCase()], auth.storage.env, io)).toBe(0);
    expect(lines.out.join('\n')).toContain('is now an admin');
    expect((await auth.client.getCurrentUser({}, withBearer(user.accessToken))).account?.roles).toEqual([
      Role.USER,
      Role.ADMIN,
    ]);
    expect(await runMakeAdmin(['nobody@example.com'], auth.storage.env, io)).toBe(1);
    expect(lines.err.join('\n')).toContain('no account');
  });

  // One real process, as `npm run make-admin -- <email>` runs it (tsx src/make-admin.ts): the script's arguments,
  // environment, output and exit code, and that it exits on its own (its MySQL pool closed). Starting tsx takes
  // seconds on a loaded machine, so this runs once, on MySQL, with time to spare.
  if (mode === 'mysql') {
    it('makes an admin with `npm run make-admin -- <email>` as its own process', async () => {
      const user = await registerUser(auth.client);
      const env = { ...process.env, ...auth.storage.env, LOG_LEVEL: 'silent' };
      const { stdout } = await run(
        path.join(serviceDir, '../node_modules/.bin/tsx'),
        ['src/make-admin.ts', user.email.toUpperCase()],
        { cwd: serviceDir, env },
      );
      expect(stdout).toContain('is now an admin');
      expect((await auth.client.getCurrentUser({}, withBearer(user.accessToken))).account?.roles).toEqual([
        Role.USER,
        Role.ADMIN,
      ]);
    }, 120_000);
  }
});
