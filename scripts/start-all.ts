// `npm start`: the whole mesh on one machine. Embedded SQLite + in-process caches by default; MySQL and Redis when MYSQL_URL / REDIS_URL are set.
import { createLogger } from '@pastemesh/kit';
import { startStack } from './stack.js';

const logger = createLogger('pastemesh', process.env['LOG_LEVEL'] ?? 'info');
const stack = await startStack({ env: process.env, ports: 'default' }).catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
const storage = process.env['MYSQL_URL'] ? `MySQL (${new URL(process.env['MYSQL_URL']).host})` : `SQLite files in ${process.env['DATA_DIR'] ?? './data'}`;
const cache = process.env['REDIS_URL'] ? 'Redis' : 'in-process caches';
process.stdout.write(
  [
    '',
    `  Pastemesh is running: ${stack.gatewayUrl.replace('127.0.0.1', 'localhost')}  (storage: ${storage}; cache: ${cache})`,
    `  GraphQL: ${stack.gatewayUrl}/graphql   gRPC: auth ${stack.grpc.auth}, paste ${stack.grpc.paste}, analytics ${stack.grpc.analytics}`,
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
