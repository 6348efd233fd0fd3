/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // One Temporal test server at a time: the machine this runs on has 2 cores, and time-skipping
  // servers compete badly for them.
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 60_000,
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: { warnOnly: false }, isolatedModules: true }] },
};
