import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@pastemesh/kit/config';
import { createLogger } from '@pastemesh/kit/observability';
import { loadAuthConfig } from './config.js';
import { openAuthDatabase } from './database.js';
import { findUserByEmail, setAdmin } from './user/user.repository.js';
import { normaliseEmail } from './user/user.validation.js';

/**
 * The repository root: where `npm start` runs, so where its `./data` lives. npm runs workspace scripts in the
 * workspace folder (auth-svc/), so make-admin cannot take DATA_DIR from its own working directory.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const COMMAND = 'npm run make-admin -w @pastemesh/auth-svc --';

/** Where make-admin's output goes (the script passes the console; tests collect it). */
export interface MakeAdminIo {
  out(line: string): void;
  err(line: string): void;
}

/** The DATA_DIR make-admin reads: `env.DATA_DIR` (default `data`) taken from `root`, as `npm start` takes it. */
export function makeAdminDataDir(env: Record<string, string | undefined>, root = REPO_ROOT): string {
  return path.resolve(root, env['DATA_DIR'] || 'data');
}

/**
 * `make-admin <email>`: grants admin to an existing account, with the service's configuration (MYSQL_URL, or
 * the SQLite file under DATA_DIR) and repository functions. Never creates a database: with no MYSQL_URL and no
 * SQLite file it says where it looked and how to point it elsewhere. Returns the exit code.
 */
export async function runMakeAdmin(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: MakeAdminIo,
  root = REPO_ROOT,
): Promise<number> {
  const email = normaliseEmail(argv[0] ?? '');
  if (!email || argv.length > 1) {
    io.err(`usage: ${COMMAND} <email>`);
    return 2;
  }
  let config: ReturnType<typeof loadAuthConfig>;
  try {
    config = loadAuthConfig({ ...env, DATA_DIR: makeAdminDataDir(env, root) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  if (!config.MYSQL_URL && !fs.existsSync(config.SQLITE_FILE)) {
    const which = env['DATA_DIR']
      ? `DATA_DIR=${env['DATA_DIR']}`
      : 'DATA_DIR unset: ./data, where `npm start` keeps it';
    io.err(
      [
        `no auth-svc database at ${config.SQLITE_FILE} (${which}); nothing was changed.`,
        'Start Pastemesh once (npm start) to create it, or point make-admin at the database you use:',
        `  DATA_DIR=/path/to/data ${COMMAND} ${email}     (a relative DATA_DIR is taken from ${root})`,
        `  MYSQL_URL=mysql://user@host:3306/ ${COMMAND} ${email}`,
        `auth-svc started on its own (npm start -w @pastemesh/auth-svc) keeps its data in auth-svc/data: DATA_DIR=auth-svc/data.`,
      ].join('\n'),
    );
    return 1;
  }
  const database = await openAuthDatabase({
    mysqlUrl: config.MYSQL_URL,
    sqliteFile: config.SQLITE_FILE,
    logger: createLogger('make-admin', 'warn'),
  });
  try {
    const user = await findUserByEmail(database.db, email);
    if (!user) {
      io.err(`no account with email ${email} in ${config.MYSQL_URL ? 'the MySQL database' : config.SQLITE_FILE}`);
      return 1;
    }
    await setAdmin(database.db, user.id, true, Date.now());
    io.out(`${email} (${user.id}) is now an admin; their next sign-in or token refresh carries the role`);
    return 0;
  } finally {
    await database.close();
  }
}
