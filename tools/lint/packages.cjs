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
  // testing/fifth-app is its own entry: it replaces @app/clinic/apps as a jest mock, so the
  // testing index must not load it.
  clinic: ['testing', 'testing/fifth-app'],
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
 * Imports known to close a package cycle, each by file (`{ from, toPackage }`), so that a new one
 * still fails while a listed one is being removed (the check reports an entry that no longer
 * matches anything). Empty: the library's specs no longer import the clinic (issue 11).
 */
const KNOWN_CYCLE_IMPORTS = [];

module.exports = { KNOWN_CYCLE_IMPORTS, PACKAGE, PACKAGE_ROOTS, SUB_ENTRIES, packageOf };
