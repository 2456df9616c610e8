// @pastemesh/kit/storage: see kit/README.md.
export * from './database.js';
export * from './migrations.js';
export * from './redis.js';
export * from './cache.js';
export * from './pubsub.js';
export * from './replica-lag.js';
export * from './transactions.js';
