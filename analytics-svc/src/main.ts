import { createLogger, runUntilSignal } from '@pastemesh/kit';
import { loadAnalyticsConfig } from './config.js';
import { createApp } from './app.js';

const config = loadAnalyticsConfig(process.env);
const logger = createLogger('analytics-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
