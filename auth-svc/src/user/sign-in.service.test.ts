import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { Role } from '@pastemesh/gen/auth';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { createPasswordHasher } from '../password/password-hasher.js';
import {
  failure,
  randomIp,
  registerUser,
  startAuth,
  uniqueEmail,
  withBearer,
  type AuthHarness,
} from '../testing/auth-harness.js';

const BOSS = uniqueEmail('boss');

describe.each(STORAGE_MODES)('sign-in (%s)', (mode) => {
  let auth: AuthHarness;
  // argon2 hashes made by the app (the real hasher, counted).
  let hashes = 0;
  beforeAll(async () => {
    auth = await startAuth(
      mode,
      'auth_signin',
      { ADMIN_EMAILS: ` ${BOSS.toUpperCase()} , other@example.com` },
      {
        createPasswordHasher: (params) => {
          const real = createPasswordHasher(params);
          return { ...real, hash: (password) => ((hashes += 1), real.hash(password)) };
        },
      },
    );
  });
  afterAll(async () => auth?.close());

  it('registers an account and signs it in with a token pair that works at once', async () => {
    const { res, accessToken, email } = await registerUser(auth.client, { displayName: '  Ada  ' });
    expect(res.account?.email).toBe(email);
    expect(res.account?.user?.displayName).toBe('Ada');
    expect(res.account?.roles).toEqual([Role.USER]);
    expect(res.tokens?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await auth.client.getCurrentUser({}, withBearer(accessToken));
    expect(me.account?.user?.id).toBe(res.account?.user?.id);
  });

  it('normalises the email and refuses a second account for it without saying that an account exists', async () => {
    const email = uniqueEmail('dup');
    const { res } = await registerUser(auth.client, { email: `  ${email.toUpperCase()} ` });
    expect(res.account?.email).toBe(email);
    const err = await failure(registerUser(auth.client, { email }));
    expect(err).toEqual(
      expect.objectContaining({
        code: Code.InvalidArgument,
        reason: 'EMAIL_TAKEN',
        field: 'email',
        message:
          'email: this address cannot be used to register; if you already have an account, sign in (or use another address)',
      }),
    );
    expect(err.message).not.toMatch(/exists|already registered|taken/i);
  });

  it('spends one argon2 hash on a taken email, as on a new one, so timing does not tell them apart', async () => {
    const email = uniqueEmail('timing');
    const before = hashes;
    await registerUser(auth.client, { email });
    expect(hashes - before).toBe(1);
    await failure(registerUser(auth.client, { email }));
    expect(hashes - before).toBe(2);
  });

  it.each([
    '',
    'plainaddress',
    'a@b',
    '@example.com',
    'a@@example.com',
    'a b@example.com',
    'a..b@example.com',
    'a@.example.com',
    `${'x'.repeat(65)}@example.com`,
    `a@${'x'.repeat(250)}.com`,
  ])('rejects the malformed email %j', async (email) => {
    const err = await failure(
      auth.client.register({ email, password: 'long enough pw', displayName: 'X', clientIp: randomIp() }),
    );
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: 'INVALID_ARGUMENT', field: 'email' });
  });

  it('rejects a password under 8 or over 128 characters, naming the limit', async () => {
    const short = await failure(
      auth.client.register({ email: uniqueEmail(), password: '1234567', displayName: 'X', clientIp: randomIp() }),
    );
    expect(short).toMatchObject({
      code: Code.InvalidArgument,
      field: 'password',
      limit: 8,
      message: 'password: at least 8 characters (got 7)',
    });
    const long = await failure(
      auth.client.register({ email: uniqueEmail(), password: 'p'.repeat(129), displayName: 'X', clientIp: randomIp() }),
    );
    expect(long).toMatchObject({
      code: Code.InvalidArgument,
      field: 'password',
      limit: 128,
      message: 'password: at most 128 characters (got 129)',
    });
    const huge = await failure(
      auth.client.register({
        email: uniqueEmail(),
        password: 'p'.repeat(1_000_000),
        displayName: 'X',
        clientIp: randomIp(),
      }),
    );
    expect(huge).toMatchObject({ code: Code.InvalidArgument, field: 'password', limit: 128 });
  });

  it('counts password length in characters, so 8 emoji are a valid password', async () => {
    const { email } = await registerUser(auth.client, { password: '🔑'.repeat(8) });
    const res = await auth.client.login({ email, password: '🔑'.repeat(8), clientIp: randomIp() });
    expect(res.account?.email).toBe(email);
  });

  it('rejects an empty or over-long display name', async () => {
    const empty = await failure(registerUser(auth.client, { displayName: '   ' }));
    expect(empty).toMatchObject({ code: Code.InvalidArgument, field: 'display_name' });
    const long = await failure(registerUser(auth.client, { displayName: 'n'.repeat(65) }));
    expect(long).toMatchObject({ code: Code.InvalidArgument, field: 'display_name', limit: 64 });
  });

  it('stores only an argon2id hash at no less than m=19456, t=2, p=1', async () => {
    const { userId, password } = await registerUser(auth.client);
    const database = await auth.openDb();
    try {
      const row = await database.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.password_hash).not.toContain(password);
    } finally {
      await database.close();
    }
  });

  it('logs in with the right password and returns the account and fresh tokens', async () => {
    const { email, password, userId } = await registerUser(auth.client);
    const res = await auth.client.login({ email: email.toUpperCase(), password, clientIp: randomIp() });
    expect(res.account?.user?.id).toBe(userId);
    expect(res.tokens?.accessToken).toBeTruthy();
    expect(res.tokens?.refreshTokenExpireTime).toBeDefined();
  });

  it('gives one generic error for an unknown email and for a wrong password', async () => {
    const { email } = await registerUser(auth.client);
    const wrong = await failure(auth.client.login({ email, password: 'not the password', clientIp: randomIp() }));
    const unknown = await failure(
      auth.client.login({ email: uniqueEmail('ghost'), password: 'not the password', clientIp: randomIp() }),
    );
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'INVALID_CREDENTIALS',
      message: 'email or password is incorrect',
    });
  });

  it('spends about as long on an unknown email as on a wrong password (a dummy hash is verified)', async () => {
    const { email } = await registerUser(auth.client);
    const time = async (e: string) => {
      const started = performance.now();
      await failure(auth.client.login({ email: e, password: 'not the password', clientIp: randomIp() }));
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await time(email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    // Without the dummy hash an unknown email answers in ~1 ms against ~15+ ms for argon2.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
  });

  it('does not grant admin at registration or login, even to an address listed in ADMIN_EMAILS', async () => {
    // Emails are never verified: whoever registered a listed address first would otherwise be admin.
    const { res, password } = await registerUser(auth.client, { email: BOSS });
    expect(res.account?.roles).toEqual([Role.USER]);
    const login = await auth.client.login({ email: BOSS, password, clientIp: randomIp() });
    expect(login.account?.roles).toEqual([Role.USER]);
  });

  it('makes a listed account that already exists an admin at the next start-up, and no one else', async () => {
    const { password } = await registerUser(auth.client, { email: 'other@example.com' });
    const bystander = await registerUser(auth.client);
    await auth.restart();
    const res = await auth.client.login({ email: 'other@example.com', password, clientIp: randomIp() });
    expect(res.account?.roles).toEqual([Role.USER, Role.ADMIN]);
    const me = await auth.client.getCurrentUser({}, withBearer(res.tokens!.accessToken));
    expect(me.account?.roles).toEqual([Role.USER, Role.ADMIN]);
    const other = await auth.client.login({
      email: bystander.email,
      password: bystander.password,
      clientIp: randomIp(),
    });
    expect(other.account?.roles).toEqual([Role.USER]);
  });

  it('changes the password: the old one stops working and every refresh token is revoked', async () => {
    const { email, password, accessToken, refreshToken } = await registerUser(auth.client);
    await auth.client.changePassword(
      { currentPassword: password, newPassword: 'a brand new secret' },
      withBearer(accessToken),
    );
    expect(await failure(auth.client.login({ email, password, clientIp: randomIp() }))).toMatchObject({
      reason: 'INVALID_CREDENTIALS',
    });
    await auth.client.login({ email, password: 'a brand new secret', clientIp: randomIp() });
    expect(await failure(auth.client.refreshToken({ refreshToken }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
    });
  });

  it('refuses a password change with a wrong current password or a too-short new one', async () => {
    const { password, accessToken } = await registerUser(auth.client);
    const wrong = await failure(
      auth.client.changePassword(
        { currentPassword: 'wrong password', newPassword: 'a brand new secret' },
        withBearer(accessToken),
      ),
    );
    expect(wrong).toMatchObject({
      code: Code.PermissionDenied,
      reason: 'INVALID_CREDENTIALS',
      field: 'current_password',
    });
    const short = await failure(
      auth.client.changePassword({ currentPassword: password, newPassword: 'short' }, withBearer(accessToken)),
    );
    expect(short).toMatchObject({ code: Code.InvalidArgument, field: 'new_password', limit: 8 });
    const anonymous = await failure(
      auth.client.changePassword({ currentPassword: password, newPassword: 'a brand new secret' }),
    );
    expect(anonymous).toMatchObject({ code: Code.Unauthenticated, reason: 'UNAUTHENTICATED' });
  });

  it('upgrades a stored hash at the next login after the argon2 cost is raised', async () => {
    const { email, password, userId } = await registerUser(auth.client);
    await auth.restart({ ARGON2_ITERATIONS: '3' });
    await auth.client.login({ email, password, clientIp: randomIp() });
    const database = await auth.openDb();
    try {
      const row = await database.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    } finally {
      await database.close();
    }
    await expect(auth.client.login({ email, password, clientIp: randomIp() })).resolves.toBeDefined();
  });
});
