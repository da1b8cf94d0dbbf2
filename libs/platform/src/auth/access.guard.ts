import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import {
  AccessTokenVerifier,
  KeySetUnavailableError,
  TokenRefusedError,
  type TokenRefusal,
} from '@app/identity';
import { requestIdOf } from '../http/json-body';
import { ACCESS_METADATA, AUDIT_METADATA, type AccessRule, type AuditSpec } from './access.decorators';
import { clinicContextOf } from './request-context';
import { VerifiedTokenCache } from './verified-token.cache';

/** The realm in `WWW-Authenticate` challenges. */
export const AUTH_REALM = 'clinic';

/** 503 while the issuer's keys are out of reach; the exceptions filter sends `Retry-After`. */
export class IdentityUnavailableException extends ServiceUnavailableException {
  constructor(readonly retryAfterS: number) {
    super(
      `Sign-in cannot be checked just now (the identity provider's keys are out of reach). Retry after ${retryAfterS} s.`,
    );
  }
}

/** A route with no `@Allow` or `@Public`: refused, and the app refuses to start with one. */
export class MissingAccessRuleException extends ForbiddenException {
  constructor() {
    super('This route declares no access rule, so nobody may call it.');
  }
}

/**
 * `Authorization: Bearer <token>`: the scheme in any case, one space-separated token of
 * base64url and dots. Anything else (Basic, two tokens, a comma list) is malformed.
 */
export function bearerTokenOf(header: string | string[] | undefined): {
  token?: string;
  refusal?: TokenRefusal;
} {
  if (header === undefined || header === '') return { refusal: 'missing' };
  if (Array.isArray(header)) return { refusal: 'malformed' };
  const match = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match ? { token: match[1] } : { refusal: 'malformed' };
}

/**
 * The global guard of every app (HTTP only; message handlers pass untouched). It records the
 * route's access rule and audit description in the request's context first, so that a refused
 * request is audited too; then: `@Public` passes; `@Allow(...roles)` needs a valid Bearer
 * access token (401 with a `WWW-Authenticate` challenge otherwise, the reason kept for the audit
 * entry and never the token) and one of the roles (403 naming them); a route with neither is
 * refused (403) and logged as an error, since it is a programming mistake.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');
  /** A client's repeated requests skip the signature check (see {@link VerifiedTokenCache}). */
  private readonly verified = new VerifiedTokenCache();

  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const targets = [context.getHandler(), context.getClass()];
    const clinic = clinicContextOf(request);
    clinic.access = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, targets);
    clinic.audit = this.reflector.getAllAndOverride<AuditSpec | undefined>(AUDIT_METADATA, targets);

    const rule = clinic.access;
    if (!rule) {
      clinic.refusal = 'no-access-rule';
      this.logger.error({
        msg: 'route declares no access rule',
        controller: context.getClass().name,
        handler: context.getHandler().name,
        method: request.method,
        route: routeTemplateOf(request),
        requestId: requestIdOf(request),
      });
      throw new MissingAccessRuleException();
    }
    if (rule.kind === 'public') return true;

    const { token, refusal } = bearerTokenOf(request.headers.authorization);
    if (!token) return this.unauthorized(request, response, refusal ?? 'missing');
    try {
      clinic.principal = await this.verified.principalOf(token, (t) => this.verifier.verify(t));
    } catch (error) {
      if (error instanceof KeySetUnavailableError) {
        clinic.refusal = 'identity-unavailable';
        this.logger.error({
          msg: 'identity provider keys unavailable',
          detail: error.detail,
          requestId: requestIdOf(request),
        });
        throw new IdentityUnavailableException(error.retryAfterS);
      }
      if (!(error instanceof TokenRefusedError)) {
        // Whatever a header holds, the caller gets a 401, never a 500; only the error's name is logged.
        this.logger.error({
          msg: 'token verification failed unexpectedly',
          error: (error as Error)?.name,
          requestId: requestIdOf(request),
        });
      }
      return this.unauthorized(
        request,
        response,
        error instanceof TokenRefusedError ? error.reason : 'malformed',
      );
    }
    const principal = clinic.principal;
    if (!rule.roles.some((role) => principal.roles.includes(role))) {
      clinic.refusal = 'role';
      throw new ForbiddenException(`This route admits only: ${rule.roles.join(', ')}.`);
    }
    return true;
  }

  private unauthorized(request: Request, response: Response, reason: TokenRefusal): never {
    clinicContextOf(request).refusal = reason;
    // RFC 6750 §3.1: no error code when no credentials were sent at all.
    response.setHeader(
      'WWW-Authenticate',
      reason === 'missing'
        ? `Bearer realm="${AUTH_REALM}"`
        : `Bearer realm="${AUTH_REALM}", error="invalid_token"`,
    );
    throw new UnauthorizedException(
      reason === 'missing'
        ? 'Sign in: send an access token as "Authorization: Bearer <token>" (npm run clinic -- login <user>).'
        : 'The access token is not valid (expired, revoked, forged or malformed): sign in again.',
    );
  }
}

/** The route template (`/patients/:id`), never the URL: paths may hold values. */
function routeTemplateOf(request: Request): string {
  const route = (request as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? route.path : '(no route)';
}
