import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@app/identity';
import { clinicContextOf } from '@app/platform';

/**
 * The signed-in person, or `undefined` when no guard has verified one. Once the global guard
 * runs, every `@Allow` route has a principal; until then (and in tests that build the app
 * without it) a handler can still work and record "unknown" instead of failing with 500, as
 * `@CurrentPrincipal()` would.
 */
export const SignedIn = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined =>
    clinicContextOf(context.switchToHttp().getRequest<object>()).principal,
);
