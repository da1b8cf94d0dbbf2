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

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,tools,bench,infra,test}/**/*.{spec,e2e-spec}.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@app/crypto-messaging(|/.*)$': '<rootDir>/libs/crypto-messaging/src$1',
    '^@app/local-stack(|/.*)$': '<rootDir>/libs/local-stack/src$1',
    '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
    '^@app/platform(|/.*)$': '<rootDir>/libs/platform/src$1',
    '^@app/catalogue(|/.*)$': '<rootDir>/libs/catalogue/src$1',
  },
  testTimeout: 60_000,
  // Integration suites start brokers and databases: two workers fit a 2-core machine.
  maxWorkers: 2,
};
