// @pastemesh/kit/observability: see kit/README.md.
export * from './logger.js';
export * from './metrics.js';
export * from './tracing.js';
export { randomPooled } from './random-ids.js';
