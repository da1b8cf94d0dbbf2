/** @app/identity: who people are (roles, synthetic staff), how tokens are trusted, and the embedded provider. */
export * from './roles';
export * from './staff';
export * from './principal';
export * from './config';
export {
  generatePassword,
  loadOrCreateIdentityState,
  readStaffPasswords,
  COOKIE_KEYS_FILE,
  JWKS_FILE,
  STAFF_FILE,
  type IdentityState,
} from './provider/state';
export * from './verifier';
