import type { Logger } from '../observability/logger.js';

/** What every `createApp` returns: the same object runs in production and in tests. */
export interface App<Started = unknown> {
  start(): Promise<Started>;
  stop(): Promise<void>;
}

/**
 * Starts `app` and stops it cleanly on SIGTERM or SIGINT (a second signal
 * exits at once if it comes more than 2 s after the first). Exits non-zero if start-up fails.
 *
 * Not close-with-grace (read for this, 2.5): it exits on any second signal, and Ctrl-C under `npm run`
 * or tsx arrives twice within milliseconds (the terminal's and the relayed one), so a developer's Ctrl-C
 * would always skip the graceful stop. The stop's own deadline is the lifecycle's (createServiceApp).
 */
export async function runUntilSignal(app: App, logger: Logger): Promise<void> {
  let stoppingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C under npm or tsx arrives twice (terminal and relay); only a signal 2 s later means "exit now".
    if (stoppingSince) {
      if (Date.now() - stoppingSince < 2_000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
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
