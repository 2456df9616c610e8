import { createLogger, runUntilSignal } from '@pastemesh/kit';
import { loadPasteConfig } from './config.js';
import { createApp } from './app.js';

const config = loadPasteConfig(process.env);
const logger = createLogger('paste-svc', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
