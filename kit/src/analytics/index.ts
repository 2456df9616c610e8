// @pastemesh/kit/analytics: see kit/README.md.
export * from './event-producer.js';
export * from './event-buffer.js';
export * from './event-breaker.js';
export * from './event-producer-metrics.js';
export * from './viewer-key.js';
