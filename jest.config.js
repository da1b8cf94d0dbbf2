// One jest run for the whole monorepo: unit specs beside the code (`*.spec.ts`) and
// integration specs (`*.e2e-spec.ts`) that boot the embedded stack or moto.
/** @type {import('jest').Config} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
// The web app's pages are Preact components (TSX), rendered to HTML on the server.
const swcTsx = {
  ...swc,
  jsc: {
    ...swc.jsc,
    parser: { ...swc.jsc.parser, tsx: true },
    transform: { ...swc.jsc.transform, react: { runtime: 'automatic', importSource: 'preact' } },
  },
};

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,tools,bench,infra,test}/**/*.{spec,e2e-spec}.{ts,tsx}'],
  // jose, openid-client and preact ship ES modules only: SWC turns them into CommonJS for jest (Node
  // itself loads them natively in the apps and the CLI).
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.tsx$': ['@swc/jest', swcTsx],
    '/node_modules/(jose|openid-client|oauth4webapi|preact|preact-render-to-string)/.+\\.m?js$': [
      '@swc/jest',
      { ...swc, sourceMaps: false },
    ],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|openid-client|oauth4webapi|preact|preact-render-to-string)/)',
  ],
  moduleNameMapper: {
    '^@app/crypto-messaging(|/.*)$': '<rootDir>/libs/crypto-messaging/src$1',
    '^@app/local-stack(|/.*)$': '<rootDir>/libs/local-stack/src$1',
    '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
    '^@app/platform(|/.*)$': '<rootDir>/libs/platform/src$1',
    '^@app/catalogue(|/.*)$': '<rootDir>/libs/catalogue/src$1',
    '^@app/clinic(|/.*)$': '<rootDir>/libs/clinic/src$1',
    '^@app/identity(|/.*)$': '<rootDir>/libs/identity/src$1',
  },
  testTimeout: 60_000,
  // Integration suites start brokers and databases: two workers fit a 2-core machine.
  maxWorkers: 2,
};
