import { createLogger } from '@pastemesh/kit/observability';
import { runUntilSignal } from '@pastemesh/kit/server';
import { loadPasteConfig } from './config.js';
import { createApp } from './app.js';

const config = loadPasteConfig(process.env);
const logger = createLogger('paste-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
