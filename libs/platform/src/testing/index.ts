/** @app/platform/testing: a private clinic environment for app tests. */
export * from './clinic-test-env';
export * from './tcp-proxy';
export * from './aws-fault-proxy';
