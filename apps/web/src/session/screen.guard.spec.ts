import { Controller, Get, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { WebModule } from '../web.module';
import type { WebConfig } from '../web.config';
import { ScreenForbidden, SignInRequired } from './screen-errors';
import { ScreenGuard } from './screen.guard';
import type { StaffSession } from '@app/identity/client';
import { WebSessions } from './web-sessions';

const OPEN = 'web:open';
const SCREEN_ROLES = 'web:screen-roles';

/** Every route handler of the screen: controller, method name, and its function. */
function routesOf(controllers: readonly Type[]) {
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .map((key) => ({ controller, key, handler: (controller.prototype as Record<string, object>)[key] }))
      .filter(({ handler }) => Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .filter(({ handler }) => Reflect.getMetadata(METHOD_METADATA, handler) !== undefined),
  );
}

@Controller('forgot')
class ForgotController {
  @Get()
  page(): string {
    return 'should never answer';
  }
}

const contextOf = (handler: object, controller: Type): ExecutionContext =>
  ({
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => ({ method: 'GET', path: '/forgot', headers: {} }) }),
  }) as unknown as ExecutionContext;

describe('the screen guard', () => {
  const module = WebModule.forRoot({
    identity: { sessionIdleSeconds: 60, sessionMaxSeconds: 600 },
  } as WebConfig);
  const routes = routesOf(module.controllers ?? []);
  const guard = new ScreenGuard(new Reflector(), new WebSessions({ idleSeconds: 60, maxSeconds: 600 }), {
    origin: 'http://127.0.0.1:8080',
  } as WebConfig);

  it('finds the routes (a walk that found none would prove nothing)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(routes.map((r) => [`${r.controller.name}.${r.key}`, r] as const))(
    '%s is declared: @Screen(roles) or @Open()',
    (_name, { controller, handler }) => {
      const declared = [OPEN, SCREEN_ROLES].some(
        (key) =>
          Reflect.getMetadata(key, handler) !== undefined ||
          Reflect.getMetadata(key, controller) !== undefined,
      );
      expect(declared).toBe(true);
    },
  );

  it('refuses a route that declares neither, signed in or not (fail closed)', () => {
    const handler = ForgotController.prototype.page;
    expect(() => guard.canActivate(contextOf(handler, ForgotController))).toThrow(ScreenForbidden);
  });

  it('sends a visitor without a session of a declared screen to sign in', () => {
    const screen = routes.find((r) => r.controller.name === 'InvoicesController')!;
    expect(() => guard.canActivate(contextOf(screen.handler, screen.controller))).toThrow(SignInRequired);
  });

  it("counts a page as the person's activity, and the live updates of an open page not", () => {
    let now = 1_000_000;
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 600 }, () => now);
    const staff = {
      subject: 's',
      roles: ['physician'],
      signOut: () => Promise.resolve(),
    } as unknown as StaffSession;
    const session = sessions.create(staff, 'physician');
    const clockGuard = new ScreenGuard(new Reflector(), sessions, {
      origin: 'http://127.0.0.1:8080',
    } as WebConfig);
    const signedIn = (handler: object, controller: Type, path: string): ExecutionContext =>
      ({
        getHandler: () => handler,
        getClass: () => controller,
        switchToHttp: () => ({
          getRequest: () => ({ method: 'GET', path, headers: { cookie: `clinic_session=${session.id}` } }),
        }),
      }) as unknown as ExecutionContext;
    const route = (name: string, key: string) =>
      routes.find((r) => r.controller.name === name && r.key === key)!;
    const live = route('JourneyController', 'events');
    const page = route('PatientsController', 'index');

    now += 30_000;
    expect(clockGuard.canActivate(signedIn(live.handler, live.controller, '/records/x/journey/events'))).toBe(
      true,
    );
    expect(session.lastActiveAt).toBe(1_000_000);
    expect(clockGuard.canActivate(signedIn(page.handler, page.controller, '/patients'))).toBe(true);
    expect(session.lastActiveAt).toBe(1_030_000);
  });
});
