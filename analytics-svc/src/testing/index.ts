// Test support other suites reuse (the fault suite runs the full-length outage drill).
export * from './analytics-test-app.js';
export * from './outage-scenario.js';
