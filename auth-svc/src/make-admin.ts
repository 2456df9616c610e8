// `npm run make-admin -w @pastemesh/auth-svc -- <email>`: grants admin to an existing account,
// using the same configuration (MYSQL_URL or DATA_DIR) and repository functions as the service.
import { createLogger } from '@pastemesh/kit';
import { loadAuthConfig } from './config.js';
import { openAuthDatabase } from './database.js';
import { findUserByEmail, setAdmin } from './user/user.repository.js';
import { normaliseEmail } from './user/user.validation.js';

const email = normaliseEmail(process.argv[2] ?? '');
if (!email) {
  console.error('usage: npm run make-admin -w @pastemesh/auth-svc -- <email>');
  process.exit(2);
}
const config = loadAuthConfig(process.env);
const database = await openAuthDatabase({ mysqlUrl: config.MYSQL_URL, sqliteFile: config.SQLITE_FILE, logger: createLogger('make-admin', 'warn') });
try {
  const user = await findUserByEmail(database.db, email);
  if (!user) {
    console.error(`no account with email ${email}`);
    process.exitCode = 1;
  } else {
    await setAdmin(database.db, user.id, true, Date.now());
    console.log(`${email} (${user.id}) is now an admin; their next sign-in or token refresh carries the role`);
  }
} finally {
  await database.close();
}
