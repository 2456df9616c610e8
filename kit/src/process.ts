import type { Logger } from './logger.js';

/** What every `createApp` returns: the same object runs in production and in tests. */
export interface App<Started = unknown> {
  start(): Promise<Started>;
  stop(): Promise<void>;
}

/**
 * Starts `app` and stops it cleanly on SIGTERM or SIGINT (a second signal
 * exits at once). Exits non-zero if start-up fails.
 */
export async function runUntilSignal(app: App, logger: Logger): Promise<void> {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal received: stopping');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
}
