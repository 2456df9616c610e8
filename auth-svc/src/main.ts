import { createLogger } from '@pastemesh/kit/observability';
import { runUntilSignal } from '@pastemesh/kit/server';
import { createApp } from './app.js';
import { loadAuthConfig } from './config.js';

const config = loadAuthConfig(process.env);
const logger = createLogger('auth-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
