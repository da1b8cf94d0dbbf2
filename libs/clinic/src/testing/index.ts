/**
 * @app/clinic/testing: the clinic's messaging on a private broker (fauxqs or moto), provisioned,
 * for integration tests. (`@app/clinic/testing/fifth-app`, for the specs that prove everything
 * derives from the list of apps, is its own entry: it replaces that list as a jest mock.)
 */
export { startTestStack, type TestStack } from './test-stack';
