// The packages of the monorepo: apps/<name>, libs/<name>, tools, bench, infra, test, and
// test/support (helpers shared by specs everywhere, so it sits below the apps that use it).
// Shared by the dependency-cruiser rules (.dependency-cruiser.js) and the package-cycle pass.

/** A regular expression source with one capture group: the package of a path. */
const PACKAGE = '((?:apps|libs)/[^/]+|test/support|tools|bench|infra|test)';

/** The folders a cruise starts from. */
const PACKAGE_ROOTS = ['apps', 'libs', 'tools', 'bench', 'infra', 'test'];

/**
 * A lib's public entries: `@app/<lib>` (src/index.ts) and the sub-entries declared here
 * (`@app/<lib>/<sub>`, src/<sub>/index.ts). Every other file of a lib is internal to it.
 */
const SUB_ENTRIES = {
  clinic: ['testing'],
  'crypto-messaging': ['core', 'embedded', 'testing'],
  identity: ['client', 'testing'],
  'local-stack': ['testing'],
  platform: ['testing'],
};

/** The package a repository-relative path belongs to, or undefined (node_modules, root files). */
function packageOf(path) {
  const match = new RegExp(`^${PACKAGE}/`).exec(path);
  return match ? match[1] : undefined;
}

/**
 * Imports known to close a package cycle, each by file, so that a new one still fails. These are
 * integration tests inside the library that still drive it with the clinic's patient-record
 * contract (libs/contracts imports the library's core): issue 11 moves them to a non-clinic event,
 * and then each entry goes (the check reports an entry that no longer matches anything).
 */
const KNOWN_CYCLE_IMPORTS = [
  'libs/crypto-messaging/src/dlq/dead-letter-queues.e2e-spec.ts',
  'libs/crypto-messaging/src/fan-out.e2e-spec.ts',
  'libs/crypto-messaging/src/key-use.e2e-spec.ts',
  'libs/crypto-messaging/src/transport/decode-fuzz.e2e-spec.ts',
  'libs/crypto-messaging/src/transport/encrypted-sqs.server.e2e-spec.ts',
].map((from) => ({ from, toPackage: 'libs/contracts' }));

module.exports = { KNOWN_CYCLE_IMPORTS, PACKAGE, PACKAGE_ROOTS, SUB_ENTRIES, packageOf };
