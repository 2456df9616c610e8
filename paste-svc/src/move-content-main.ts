// `npm run content:move -- --from <place> --to <place>`: moves existing paste content between the table and
// object stores (place: database, file:///PATH or s3://BUCKET[/PREFIX]), reading the database and AWS_*
// settings from the environment as paste-svc does. Safe to interrupt and run again: it resumes.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@pastemesh/kit/observability';
import { openDatabase, serviceDatabaseUrl } from '@pastemesh/kit/storage';
import { loadPasteConfig } from './config.js';
import type { PasteDatabase } from './database.js';
import { pasteMigrations } from './migrations/index.js';
import { createContentStore, parseContentStore } from './content/content-store.js';
import { moveContent, type ContentPlace } from './content/move-content.js';

const { values } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, 'batch-size': { type: 'string' } },
});
if (!values.from || !values.to) {
  console.error('usage: npm run content:move -- --from <database|file:///PATH|s3://BUCKET[/PREFIX]> --to <same>');
  process.exit(2);
}
const config = loadPasteConfig(process.env);
const place = (value: string, flag: string): ContentPlace => {
  const spec = parseContentStore(value, flag);
  return spec.kind === 'database' ? spec : { kind: 'store', store: createContentStore(spec, config)! };
};
const from = place(values.from, '--from');
const to = place(values.to, '--to');
const database = await openDatabase<PasteDatabase>({
  url: serviceDatabaseUrl(config.MYSQL_URL, 'pastemesh_paste'),
  sqliteFile: path.join(config.DATA_DIR, 'paste-svc.db'),
  migrations: pasteMigrations,
  logger: createLogger('content-move', 'warn'),
});
const started = Date.now();
try {
  const result = await moveContent({
    db: database.db,
    from,
    to,
    batchSize: Number(values['batch-size'] ?? 200),
    stateFile: path.join(config.DATA_DIR, 'content-move.state.json'),
    onProgress: (done, total) =>
      process.stderr.write(`\rmoved ${done} of ${total} (${total ? Math.floor((100 * done) / total) : 100}%)`),
  });
  process.stderr.write(
    `\nmoved ${result.moved} contents from ${values.from} to ${values.to} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
} finally {
  for (const p of [from, to]) if (p.kind === 'store') p.store.close();
  await database.close();
}
