import { createLogger } from '@pastemesh/kit/observability';
import { runUntilSignal } from '@pastemesh/kit/server';
import { loadGatewayConfig } from './config.js';
import { createApp } from './app.js';

const config = loadGatewayConfig(process.env);
const logger = createLogger('gateway', config.LOG_LEVEL);
await runUntilSignal(createApp(config, { logger }), logger);
