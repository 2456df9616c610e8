// The fault suite (`npm run test:faults`): tests/faults/*.fault.ts on real processes, MariaDB and Redis.
// Kept out of `npm test` (its testMatch is *.test.ts); prints one table of scenarios at the end.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/tests/faults/**/*.fault.ts'],
  // The analytics outage alone is 60 s + up to 30 s of convergence.
  testTimeout: 180_000,
  // Two scenarios at a time: the long analytics outage overlaps the others, inside the time budget.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/faults/support/table-reporter.js'],
};
