/**
 * `npm run test:browser`: the self-service portal (issue 15) in a real browser, Debian's Chromium driven by
 * playwright-core (no browser download), against the real stack on free ports. Not part of `npm test`: a fresh
 * machine may lack Chromium (CHROMIUM_PATH, /usr/bin/chromium by default). The workflow bundle is built once,
 * as for the fault suite.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
  testTimeout: 240_000,
};
