// @pastemesh/kit/paste: see kit/README.md.
export * from './expiry-words.js';
