// The fault-injection suite (`npm run test:faults`): each scenario drives real processes (the
// clinic's apps, the broker, PostgreSQL, moto) through a crash, a pause or a cut connection, and
// checks that every record's effects happen exactly once. Scenarios run one at a time, in file
// name order (the last one scans everything the run wrote for PHI and prints the table): each
// one owns the machine's two cores while it measures recovery.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/faults/global-setup.js',
  testSequencer: '<rootDir>/test/faults/sequencer.js',
};
