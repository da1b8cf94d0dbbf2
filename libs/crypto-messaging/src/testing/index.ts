/**
 * @app/crypto-messaging/testing: test utilities (the one import allowed from a lib's insides).
 */
export * from './eventually';
export * from './handler-spy';
export * from './moto-server';
