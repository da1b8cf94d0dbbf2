export {
  ACCESS_METADATA,
  type AccessRule,
  Allow,
  AUDIT_METADATA,
  Audited,
  type AuditListLocator,
  type AuditLocator,
  type AuditSpec,
  CurrentPrincipal,
  Public,
} from './access.decorators';
export { clinicContextOf, type ClinicRequestContext } from './request-context';
export {
  AccessGuard,
  AUTH_REALM,
  bearerTokenOf,
  IdentityUnavailableException,
  MissingAccessRuleException,
} from './access.guard';
export {
  AccessRulesCheck,
  type DeclaredRoute,
  declaredRoutes,
  declaredRoutesOf,
  MissingAccessRuleError,
} from './access-rules.check';
export { AccessModule } from './access.module';
export { RATE_WINDOW_MS, RateLimitedException, RateLimitGuard, rateLimitOptions } from './rate-limit.guard';
