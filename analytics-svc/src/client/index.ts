// @pastemesh/analytics-svc/client: what a caller of analytics-svc needs to send it events (the gateway's views,
// paste-svc's paste events): the producer, viewer keys, bot detection. analytics-svc owns it; callers import
// only this subpath, never the service's internals.
export * from './event-producer.js';
export * from './viewer-key.js';
