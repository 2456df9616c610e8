import { createLogger, runUntilSignal } from '@pastemesh/kit';
import { loadGatewayConfig } from './config.js';
import { createApp } from './app.js';

const config = loadGatewayConfig(process.env);
const logger = createLogger('gateway', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
