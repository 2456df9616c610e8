import { createLogger } from '@pastemesh/kit/observability';
import { runUntilSignal } from '@pastemesh/kit/server';
import { loadAnalyticsConfig } from './config.js';
import { createApp } from './app.js';

const config = loadAnalyticsConfig(process.env);
const logger = createLogger('analytics-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
