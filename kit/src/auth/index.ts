// @pastemesh/kit/auth: see kit/README.md.
export * from './auth.js';
export * from './api-key-verifier.js';
