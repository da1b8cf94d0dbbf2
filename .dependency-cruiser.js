// The package graph of the monorepo, checked by `npm run lint` (tools/lint/package-graph.mjs runs
// dependency-cruiser with these rules and adds the one rule it cannot express: no cycle between
// packages). The packages are listed in tools/lint/packages.cjs.
// @ts-check
const { PACKAGE, SUB_ENTRIES } = require('./tools/lint/packages.cjs');

/** A lib's public entries: src/index.ts and its declared sub-entries (tools/lint/packages.cjs). */
const LIB_ENTRY = [
  '^libs/[^/]+/src/index\\.ts$',
  ...Object.entries(SUB_ENTRIES).map(([lib, subs]) => `^libs/${lib}/src/(${subs.join('|')})/index\\.ts$`),
].join('|');

/**
 * What tooling (tools, test, bench, infra) may reach in an app: how to run it (main, blueprint,
 * the web app's bootstrap and settings), its database definition (the CLI migrates it), and the
 * web app's asset build (the bench measures it).
 */
const APP_ENTRY =
  '^apps/([^/]+)/src/(main|[^/]+\\.blueprint|database/[^/]+\\.database|bootstrap|web\\.config|pages/assets)\\.tsx?$';

/** Specs and test utilities, which may use test/support; production code may not. */
const TEST_CODE = '\\.(e2e-|fuzz\\.|fault-)?spec\\.tsx?$|/testing/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-internals',
      severity: 'error',
      comment: 'Another package reaches a lib only through @app/<lib> or a declared sub-entry.',
      from: { path: `^${PACKAGE}/` },
      to: { path: '^libs/[^/]+/', pathNot: `^$1/|${LIB_ENTRY}` },
    },
    {
      name: 'lib-imports-upward',
      severity: 'error',
      comment: 'Libs never import apps, tools, bench, infra or test code (not even test/support).',
      from: { path: '^libs/' },
      to: { path: '^(apps|tools|bench|infra|test)/' },
    },
    {
      name: 'app-imports-app',
      severity: 'error',
      comment: 'An app never imports another app: share through a lib.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'app-internals',
      severity: 'error',
      comment:
        'Tooling reaches an app only through its entries (main, blueprint, database, web bootstrap); ' +
        'a type-only import of a response model is allowed.',
      from: { path: '^(tools|bench|infra|test)/' },
      to: { path: '^apps/', pathNot: APP_ENTRY, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'production-imports-test',
      severity: 'error',
      comment: 'Production code of apps and tools never imports test code.',
      from: { path: '^(apps|tools)/', pathNot: TEST_CODE },
      to: { path: '^test/' },
    },
    {
      name: 'test-support-is-a-leaf',
      severity: 'error',
      comment: 'test/support helps specs everywhere, so it imports libs only.',
      from: { path: '^test/support/' },
      to: { path: '^(apps|tools|bench|infra)/|^test/(?!support/)' },
    },
    {
      name: 'core-is-dependency-free',
      severity: 'error',
      comment:
        'The messaging core (@app/crypto-messaging/core) imports nothing but itself and zod, so ' +
        'event contracts can depend on it without the transport or the AWS SDK.',
      from: { path: '^libs/crypto-messaging/src/core/' },
      to: { pathNot: '^libs/crypto-messaging/src/core/|(^|/)node_modules/zod/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing (a wrong @app path, a moved file).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
