import type { Principal } from '@app/identity';
import type { AccessRule, AuditSpec } from './access.decorators';

/**
 * What the app knows about one HTTP request beyond express's own fields: the route's access
 * rule and audit description (set first thing by the guard, so that a refused request is
 * audited too), and the verified principal once the token checked out.
 */
export interface ClinicRequestContext {
  access?: AccessRule;
  audit?: AuditSpec;
  principal?: Principal;
  /** Why a token was refused (`missing`, `expired`, `invalid`...), for the audit entry. */
  refusal?: string;
}

const CONTEXT = Symbol.for('clinic.request-context');

/** The request's clinic context (created on first use). */
export function clinicContextOf(request: object): ClinicRequestContext {
  const holder = request as { [CONTEXT]?: ClinicRequestContext };
  return (holder[CONTEXT] ??= {});
}
