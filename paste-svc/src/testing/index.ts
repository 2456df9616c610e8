// paste-svc's test support (not tests): the running app on fresh storage and helpers to drive it.
export * from './paste-harness.js';
export * from './s3.js';
