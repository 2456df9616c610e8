// `npm start`: the whole mesh on one machine. Embedded SQLite + in-process caches by default; MySQL and Redis when MYSQL_URL / REDIS_URL are set.
// HOST, HTTP_PORT (the gateway's) and PUBLIC_URL are honoured; see startStack's `env`.
import path from 'node:path';
import { createLogger } from '@pastemesh/kit/observability';
import { startStack } from './stack.js';

const logger = createLogger('pastemesh', process.env['LOG_LEVEL'] ?? 'info');
const stack = await startStack({ env: process.env, ports: 'default' }).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
const storage = process.env['MYSQL_URL']
  ? `MySQL (${new URL(process.env['MYSQL_URL']).host})`
  : `SQLite files in ${path.resolve(process.env['DATA_DIR'] || 'data')}`;
const cache = process.env['REDIS_URL'] ? 'Redis' : 'in-process caches';
// One environment feeds all four services, so only the gateway's HTTP_PORT can be chosen from it (see stack.ts).
const ignored = ['GRPC_PORT', 'CONNECT_PORT', 'ADMIN_PORT'].filter((name) => process.env[name]);
const localUrl = stack.gatewayUrl.replace('//127.0.0.1:', '//localhost:');
process.stdout.write(
  [
    '',
    `  Pastemesh is running: ${localUrl}  (storage: ${storage}; cache: ${cache})`,
    ...(stack.publicUrl === localUrl ? [] : [`  Paste links use PUBLIC_URL: ${stack.publicUrl}`]),
    `  GraphQL: ${stack.gatewayUrl}/graphql   gRPC: auth ${stack.grpc.auth}, paste ${stack.grpc.paste}, analytics ${stack.grpc.analytics}`,
    ...(ignored.length
      ? [
          `  Ignored ${ignored.join(', ')}: npm start gives each service its default ports (only the gateway's HTTP_PORT can be set).`,
        ]
      : []),
    '  Ctrl-C stops all four services.',
    '',
  ].join('\n') + '\n',
);

let stoppingSince = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches us twice (from the terminal and relayed by npm/tsx); only a later one means "now".
    if (stoppingSince) {
      if (Date.now() - stoppingSince > 2_000) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'stopping all services');
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
