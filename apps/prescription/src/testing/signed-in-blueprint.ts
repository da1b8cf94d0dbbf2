import { Module, type CanActivate, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { STAFF } from '@app/identity';
import { clinicContextOf, type AppBlueprint } from '@app/platform';

/** The test header naming the member of staff (`STAFF[].username`) a request comes from. */
export const TEST_AS_HEADER = 'x-test-as';

/**
 * Tests only: stands in for the global access guard (built elsewhere) by taking the request's
 * principal from {@link TEST_AS_HEADER}. Without the header there is no principal. It checks
 * nothing: the real guard verifies tokens; this only lets the app's own rules be tested.
 */
class TestPrincipalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    // Global guards run on the app's message handlers too: those have no HTTP request.
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const member = STAFF.find((s) => s.username === request.headers[TEST_AS_HEADER]);
    if (member) {
      clinicContextOf(request).principal = {
        subject: member.subject,
        roles: member.roles,
        pharmacyId: member.pharmacyId,
      };
    }
    return true;
  }
}

@Module({})
class SignedInTestModule {}

/** The blueprint with {@link TestPrincipalGuard} as a global guard around its module. */
export function signedIn(blueprint: AppBlueprint): AppBlueprint {
  return {
    ...blueprint,
    module: (config): DynamicModule => ({
      module: SignedInTestModule,
      imports: [blueprint.module(config)],
      providers: [{ provide: APP_GUARD, useClass: TestPrincipalGuard }],
    }),
  };
}
