// @pastemesh/kit/rpc: see kit/README.md.
export * from './grpc-server.js';
export * from './grpc-transport.js';
export * from './clients.js';
export * from './interceptors.js';
export * from './reflection.js';
export * from './request-context.js';
export * from './errors.js';
