/**
 * @app/clinic/testing: the clinic's messaging on a private broker (fauxqs or moto), provisioned,
 * for integration tests.
 */
export { startTestStack, type TestStack } from './test-stack';
