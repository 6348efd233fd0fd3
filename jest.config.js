/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The fault suite (test/faults, `npm run test:faults`) kills and locks real processes for minutes, and the
  // cluster suite (test/cluster, `npm run test:cluster`) needs PostgreSQL and Go, the browser suite (test/browser,
  // `npm run test:browser`) Chromium: each runs on its own, with its own config, never as part of `npm test`.
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/faults/',
    '<rootDir>/test/cluster/',
    '<rootDir>/test/browser/',
  ],
  // One Temporal test server at a time: the machine this runs on has 2 cores, and time-skipping
  // servers compete badly for them.
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 60_000,
  // The count reporter feeds .ci/run's closing line (TEST_COUNTS_FILE); without that variable it is silent.
  reporters: ['default', '<rootDir>/test/helpers/count-reporter.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: { warnOnly: false }, isolatedModules: true }] },
};
