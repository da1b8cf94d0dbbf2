/** @app/identity: who people are (roles, synthetic staff), how tokens are trusted, and the embedded provider. */
export * from './roles';
export * from './staff';
export * from './principal';
export * from './config';
export * from './verifier';
