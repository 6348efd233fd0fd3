/**
 * `npm run test:cluster`: the production topology (test/cluster) on real processes: the Temporal server's four
 * services on PostgreSQL, two workers, two API instances. Needs PostgreSQL (TEST_DATABASE_URL, default
 * postgres://cancel:cancel@127.0.0.1:5432/cancel) and Go, or TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH
 * (test/cluster/global-setup.ts). Not part of `npm test`.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
  testTimeout: 240_000,
};
