// What tests across the workspace share: storage, start-up checks, ports, schema snapshots, the token issuer, a MariaDB pair.
export * from './storage.js';
export * from './eventually.js';
export * from './test-limits.js';
export * from './echo-service.js';
export * from './start-up.js';
export * from './ports.js';
export * from './schema.js';
export * from './test-issuer.js';
export * from './otlp-receiver.js';
export * from './mariadb-pair.js';
