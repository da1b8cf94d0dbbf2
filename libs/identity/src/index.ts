/** @app/identity: who people are (roles, synthetic staff), how tokens are trusted, and the embedded provider. */
export { type Role, ROLE_PURPOSES, ROLES } from './roles';
export { STAFF, staffFor, type StaffMember } from './staff';
export { type ClaimNames, type Principal, principalOf } from './principal';
export {
  DEFAULT_AUDIENCE,
  DEFAULT_WEB_PORT,
  type IdentityConfig,
  IdentityConfigError,
  loadIdentityConfig,
} from './config';
export {
  generatePassword,
  loadOrCreateIdentityState,
  readStaffPasswords,
  COOKIE_KEYS_FILE,
  JWKS_FILE,
  STAFF_FILE,
  type IdentityState,
} from './provider/state';
export {
  AccessTokenVerifier,
  CLOCK_TOLERANCE_S,
  KeySetUnavailableError,
  MAX_ACCESS_TOKEN_AGE_S,
  type TokenRefusal,
  TokenRefusedError,
  type VerifierOptions,
} from './verifier';
