/** @app/identity/testing: a stand-in issuer and token signer for tests of anything that verifies tokens. */
export * from './test-issuer';
