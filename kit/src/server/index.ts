// @pastemesh/kit/server: see kit/README.md.
export * from './service-host.js';
export * from './service-app.js';
export * from './admin-server.js';
export * from './listen.js';
export * from './process.js';
