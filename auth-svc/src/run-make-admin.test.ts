import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Role } from '@pastemesh/gen/auth';
import { REPO_ROOT, makeAdminDataDir, runMakeAdmin } from './run-make-admin.js';
import { registerUser, startAuth, withBearer, type AuthHarness } from './testing/auth-harness.js';

function collect() {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, io: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

describe('make-admin', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-make-admin-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('looks for the SQLite file where npm start keeps it: DATA_DIR (default ./data) taken from the repository root', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    expect(manifest.workspaces).toContain('auth-svc');
    expect(makeAdminDataDir({})).toBe(path.join(REPO_ROOT, 'data'));
    expect(makeAdminDataDir({ DATA_DIR: '' })).toBe(path.join(REPO_ROOT, 'data'));
    expect(makeAdminDataDir({ DATA_DIR: 'auth-svc/data' })).toBe(path.join(REPO_ROOT, 'auth-svc', 'data'));
    expect(makeAdminDataDir({ DATA_DIR: '/var/lib/pastemesh' })).toBe('/var/lib/pastemesh');
  });

  it('refuses when there is no SQLite database, naming the path and how to point it elsewhere, and creates none', async () => {
    const { lines, io } = collect();
    expect(await runMakeAdmin(['ops@example.com'], {}, io, root)).toBe(1);
    const message = lines.err.join('\n');
    expect(message).toContain(`no auth-svc database at ${path.join(root, 'data', 'auth-svc.db')}`);
    expect(message).toContain('DATA_DIR=/path/to/data npm run make-admin -w @pastemesh/auth-svc -- ops@example.com');
    expect(message).toContain('MYSQL_URL=');
    expect(fs.readdirSync(root)).toEqual([]);

    const elsewhere = fs.mkdtempSync(path.join(root, 'empty-'));
    expect(await runMakeAdmin(['ops@example.com'], { DATA_DIR: elsewhere }, io, root)).toBe(1);
    expect(lines.err.join('\n')).toContain(
      `no auth-svc database at ${path.join(elsewhere, 'auth-svc.db')} (DATA_DIR=${elsewhere})`,
    );
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('answers a missing or extra argument with usage and exit code 2', async () => {
    const { lines, io } = collect();
    expect(await runMakeAdmin([], {}, io, root)).toBe(2);
    expect(await runMakeAdmin(['a@example.com', 'b@example.com'], {}, io, root)).toBe(2);
    expect(lines.err).toEqual(Array(2).fill('usage: npm run make-admin -w @pastemesh/auth-svc -- <email>'));
  });

  describe('on an existing SQLite database', () => {
    let auth: AuthHarness;
    beforeAll(async () => {
      auth = await startAuth('embedded', 'auth_make_admin');
    });
    afterAll(async () => auth?.close());

    it('grants admin, finding the database through a DATA_DIR relative to the repository root', async () => {
      const user = await registerUser(auth.client);
      const dataDir = auth.storage.env['DATA_DIR']!;
      const { lines, io } = collect();
      const code = await runMakeAdmin(
        [user.email.toUpperCase()],
        { DATA_DIR: path.basename(dataDir) },
        io,
        path.dirname(dataDir),
      );
      expect({ code, err: lines.err }).toEqual({ code: 0, err: [] });
      expect(lines.out.join('\n')).toContain(`${user.email} (${user.userId}) is now an admin`);
      expect((await auth.client.getCurrentUser({}, withBearer(user.accessToken))).account?.roles).toEqual([
        Role.USER,
        Role.ADMIN,
      ]);
    });
  });
});
