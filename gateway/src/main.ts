import { runUntilSignal, createLogger } from '@pastemesh/kit';
import { loadGatewayConfig } from './config.js';
import { createApp } from './app.js';

const config = loadGatewayConfig(process.env);
await runUntilSignal(createApp(config), createLogger('gateway', config.LOG_LEVEL));
