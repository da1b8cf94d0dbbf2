import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Principal, Role } from '@app/identity';
import { clinicContextOf } from './request-context';

/** Metadata key of a route's access rule ({@link Allow} or {@link Public}). */
export const ACCESS_METADATA = 'clinic:access';
/** Metadata key of a route's audit description ({@link Audited}). */
export const AUDIT_METADATA = 'clinic:audit';

/** Who may call a route: anyone (only `GET /health`), or people holding one of `roles`. */
export type AccessRule =
  { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

/**
 * The roles a route admits. Every route declares this or {@link Public}; the global guard
 * refuses (and a test fails for) a route that declares neither.
 */
export const Allow = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, { kind: 'roles', roles } satisfies AccessRule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token (missing, expired, forged or malformed)' }),
    ApiForbiddenResponse({ description: `Signed in, but not as: ${roles.join(', ')}` }),
  );

/** A route anyone may call: only for answers that hold no PHI (`GET /health`). */
export const Public = () => SetMetadata(ACCESS_METADATA, { kind: 'public' } satisfies AccessRule);

/**
 * Where the audit trail finds an id: a route parameter (`param.id`), a query parameter
 * (`query.patientId`), or a field of the handler's result (`result.id`, `result.patientId`).
 */
export type AuditLocator = `param.${string}` | `query.${string}` | `result.${string}`;

/** What a route does with PHI, for its audit entries (types and ids only, never values). */
export interface AuditSpec {
  /** The resource type: `patient`, `record`, `invoice`, `appointment`, `prescription`, `audit-entry`... */
  readonly resource: string;
  /**
   * `read` one, `list` several, `create` one, `search` by a query held in the body (no ids);
   * `lab`: a workshop lab action (embedded profile).
   */
  readonly action: 'read' | 'list' | 'create' | 'search' | 'lab';
  /** Where the resource's id is. */
  readonly id?: AuditLocator;
  /** Where the patient's id is. */
  readonly patient?: AuditLocator;
  /**
   * A list across patients (a working list, a search): the field of each answered item that
   * holds its patient's id (`result[].patientId`). A success then leaves one entry per distinct
   * patient in the answer, all with the request's id, so the trail shows who saw each patient
   * even when nobody asked for that patient by id; an empty answer leaves one entry without one.
   */
  readonly patients?: AuditListLocator;
}

/** Where each item of a list answer holds its patient's id: `result[].patientId`. */
export type AuditListLocator = `result[].${string}`;

/** Every request to this route appends one audit entry, whatever its outcome (200, 401, 403...). */
export const Audited = (spec: AuditSpec) => SetMetadata(AUDIT_METADATA, spec);

/** The signed-in person calling the route (set by the global guard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = clinicContextOf(context.switchToHttp().getRequest()).principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without a signed-in principal');
  return principal;
});
