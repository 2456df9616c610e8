import { createLogger, runUntilSignal } from '@pastemesh/kit';
import { createApp } from './app.js';
import { loadAuthConfig } from './config.js';

const config = loadAuthConfig(process.env);
const logger = createLogger('auth-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
