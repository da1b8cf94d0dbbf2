/** @app/identity/testing: a stand-in issuer and token signer for tests of anything that verifies tokens. */
export { startTestIssuer, type TestIssuer, type TestTokenOptions } from './test-issuer';
