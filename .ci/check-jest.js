// Reads a jest --json report; fails on any failed, skipped or todo test, or on no test at all,
// and prints the plain closing line "N passed, N failed, N skipped".
'use strict';
const report = require(require('node:path').resolve(process.argv[2]));
const passed = report.numPassedTests;
const failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
const skipped = report.numPendingTests + report.numTodoTests;
for (const suite of report.testResults) {
  for (const test of suite.assertionResults) {
    if (test.status === 'pending' || test.status === 'todo') console.error(`skipped: ${test.fullName}`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || skipped > 0 || passed === 0 || !report.success) process.exit(1);
