// `npm run make-admin -w @pastemesh/auth-svc -- <email>`: grants admin to an existing account, on the database
// `npm start` uses (MYSQL_URL, or DATA_DIR taken from the repository root); see run-make-admin.ts.
import { runMakeAdmin } from './run-make-admin.js';

process.exitCode = await runMakeAdmin(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
