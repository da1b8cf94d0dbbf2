// Reads one or more jest --json reports; fails on any failed, skipped or todo test, or on no test
// at all, and prints the plain closing line "N passed, N failed, N skipped" over all of them.
'use strict';
const path = require('node:path');
let passed = 0;
let failed = 0;
let skipped = 0;
let success = true;
for (const file of process.argv.slice(2)) {
  const report = require(path.resolve(file));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  skipped += report.numPendingTests + report.numTodoTests;
  success &&= report.success;
  for (const suite of report.testResults) {
    for (const test of suite.assertionResults) {
      if (test.status === 'pending' || test.status === 'todo') console.error(`skipped: ${test.fullName}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || skipped > 0 || passed === 0 || !success) process.exit(1);
