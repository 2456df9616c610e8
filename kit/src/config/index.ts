// @pastemesh/kit/config: see kit/README.md.
export * from './config.js';
