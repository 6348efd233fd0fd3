/**
 * `npm run test:faults`: the fault suite (test/faults) alone, on real processes. One file at a time (each
 * starts its own Temporal dev server, workers and API on a 2-core machine); the workflow bundle is built
 * once for every worker the suite starts (test/faults/global-setup.ts).
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
  testTimeout: 180_000,
};
