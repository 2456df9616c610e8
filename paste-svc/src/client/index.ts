// @pastemesh/paste-svc/client: what a caller of paste-svc needs besides the contract: the expiry words people
// write (`1d`, `never`) and their contract values, and the content-size error. paste-svc owns them (its ALLOWED_EXPIRIES uses them);
// callers import only this subpath, never the service's internals.
export * from './content-limit.js';
export * from './create-batch.js';
export * from './expiry-words.js';
