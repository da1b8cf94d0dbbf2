import { ForbiddenException, Logger, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AccessTokenVerifier } from '@app/identity';
import { startTestIssuer, type TestIssuer } from '@app/identity/testing';
import { AccessTokenVerifier as Verifier } from '@app/identity';
import { Allow, Audited } from './access.decorators';
import { AccessGuard, bearerTokenOf, MissingAccessRuleException } from './access.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { clinicContextOf } from './request-context';

class Routes {
  @Allow('physician')
  @Audited({ resource: 'record', action: 'read', id: 'param.id' })
  read() {}

  forgotten() {}
}

function httpContext(
  handler: keyof Routes,
  request: object,
  response = { setHeader: jest.fn() },
): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => response,
      getNext: () => undefined,
    }),
  } as unknown as ExecutionContext;
}

const rpcContext = {
  getType: () => 'rpc',
  getHandler: () => Routes.prototype.read,
  getClass: () => Routes,
  switchToHttp: () => {
    throw new Error('an rpc context has no HTTP request');
  },
} as unknown as ExecutionContext;

describe('bearerTokenOf', () => {
  it.each([
    [undefined, { refusal: 'missing' }],
    ['', { refusal: 'missing' }],
    ['Bearer a.b.c', { token: 'a.b.c' }],
    ['bearer a.b.c', { token: 'a.b.c' }],
    ['Bearer  a.b.c ', { token: 'a.b.c' }],
    ['Basic dXNlcjpwdw==', { refusal: 'malformed' }],
    ['Bearer a.b.c d.e.f', { refusal: 'malformed' }],
    ['Bearer a.b.c, Bearer d.e.f', { refusal: 'malformed' }],
    ['Bearer', { refusal: 'malformed' }],
    [['Bearer a.b.c', 'Bearer d.e.f'], { refusal: 'malformed' }],
  ])('%j -> %j', (header, expected) => expect(bearerTokenOf(header)).toEqual(expected));
});

describe('AccessGuard', () => {
  let issuer: TestIssuer;
  let guard: AccessGuard;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    guard = new AccessGuard(new Reflector(), Verifier.create(issuer.identity()));
  });
  afterAll(() => issuer?.close());

  it('lets message handlers (rpc) through without looking at them', async () => {
    const verifier = { verify: jest.fn() } as unknown as AccessTokenVerifier;
    await expect(new AccessGuard(new Reflector(), verifier).canActivate(rpcContext)).resolves.toBe(true);
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('records the access rule, audit description and refusal reason before refusing (for the audit trail)', async () => {
    const request = { headers: {}, method: 'GET' };
    const response = { setHeader: jest.fn() };
    await expect(guard.canActivate(httpContext('read', request, response))).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(clinicContextOf(request)).toEqual({
      access: { kind: 'roles', roles: ['physician'] },
      audit: { resource: 'record', action: 'read', id: 'param.id' },
      refusal: 'missing',
    });
    expect(response.setHeader).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer realm="clinic"');
  });

  it('records the principal of a refused role and the refusal', async () => {
    const request = { headers: { authorization: `Bearer ${await issuer.tokenFor('nurse')}` }, method: 'GET' };
    await expect(guard.canActivate(httpContext('read', request))).rejects.toBeInstanceOf(ForbiddenException);
    expect(clinicContextOf(request)).toMatchObject({ refusal: 'role', principal: { roles: ['nurse'] } });
  });

  it('refuses a route without a rule (403) and logs an error naming the controller, handler and route', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const request = { headers: {}, method: 'GET', route: { path: '/forgotten/:id' } };
      await expect(guard.canActivate(httpContext('forgotten', request))).rejects.toBeInstanceOf(
        MissingAccessRuleException,
      );
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ controller: 'Routes', handler: 'forgotten', route: '/forgotten/:id' }),
      );
    } finally {
      error.mockRestore();
    }
  });
});

describe('RateLimitGuard', () => {
  it('lets message handlers (rpc) through', async () => {
    const guard = Object.create(RateLimitGuard.prototype) as RateLimitGuard;
    await expect(guard.canActivate(rpcContext)).resolves.toBe(true);
  });
});
