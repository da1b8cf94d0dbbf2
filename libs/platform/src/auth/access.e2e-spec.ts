/**
 * The access guard and the hostile edge, through a tiny app built by the real bootstrap
 * (`createClinicApp`) with a test issuer's discovery document and JWKS on 127.0.0.1:0. No
 * database or broker: the guard and the edge need neither.
 */
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  Body,
  Controller,
  Get,
  Module,
  Param,
  Post,
  type DynamicModule,
  type LoggerService,
} from '@nestjs/common';
import { EventPattern, Payload, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import fc from 'fast-check';
import { staffFor, type Principal } from '@app/identity';
import { startTestIssuer, type TestIssuer } from '@app/identity/testing';
import { createClinicApp, startClinicApp, type AppBlueprint, type ClinicApplication } from '../bootstrap';
import { loadAppConfig, type AppConfig } from '../config/app.config';
import { Allow, Audited, CurrentPrincipal, Public } from './access.decorators';
import { AccessModule } from './access.module';
import { declaredRoutesOf, MissingAccessRuleError } from './access-rules.check';
import { DataSource } from 'typeorm';
import { MessagingRuntime } from '@app/crypto-messaging';
import { HealthController } from '../health/health.controller';
import { KeyUseController } from '../health/key-use.controller';
import { MessagingProbe } from '../messaging/messaging-probe';
import { AuditTrail } from '../audit/audit-trail';

const handled: string[] = [];

@Controller()
class ProbeController {
  @Get('open')
  @Public()
  open() {
    return { ok: true };
  }

  @Get('records/:id')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'record', action: 'read', id: 'param.id' })
  read(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    handled.push(`read ${id}`);
    return { id, subject: principal.subject };
  }

  @Get('charts/:id')
  @Allow('physician', 'nurse')
  chart(@Param('id') id: string) {
    return { id };
  }

  @Post('records')
  @Allow('physician')
  create(@Body() body: Record<string, unknown>) {
    handled.push('create');
    return { created: true, fields: Object.keys(body).length };
  }
}

/** Message handlers, as a consumer app has them: no access rule, no HTTP request. */
@Controller()
class EventsController {
  @EventPattern('record.created')
  onRecord(@Payload() data: { id: string }) {
    handled.push(`event ${data.id}`);
    return { handled: data.id };
  }
}

/** A transport the test drives by hand, as EncryptedSqsServer drives its handlers. */
class HandTransport extends Server implements CustomTransportStrategy {
  listen(callback: () => void) {
    callback();
  }
  close() {}
  on() {}
  unwrap<T>(): T {
    return undefined as T;
  }
  async deliver(pattern: string, data: unknown): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new Error(`no handler for ${pattern}`);
    const result: unknown = await handler(data, {});
    return isObservable(result) ? lastValueFrom(result) : result;
  }
}

@Controller('unruled')
class UnruledController {
  @Get('thing/:id')
  thing() {
    return {};
  }
}

const blueprintOf = (controllers: Array<new (...args: never[]) => object>): AppBlueprint => ({
  app: 'emr',
  title: 'Guard test app',
  description: 'access guard and HTTP edge under test',
  module: (config: AppConfig): DynamicModule => {
    @Module({})
    class GuardTestModule {}
    return {
      module: GuardTestModule,
      imports: [AccessModule.forApp(config)],
      // The platform's own controllers, on fakes: their access rules are what is under test.
      controllers: [HealthController, KeyUseController, ...controllers],
      providers: [
        // The audit trail has its own suite (test/audit-trail.e2e-spec.ts): here it records nothing.
        { provide: AuditTrail, useValue: { recordFailure: () => Promise.resolve() } },
        { provide: DataSource, useValue: { query: () => Promise.resolve([{ '?column?': 1 }]) } },
        { provide: MessagingProbe, useValue: { check: () => Promise.resolve({ status: 'up' }) } },
        {
          provide: MessagingRuntime,
          useValue: {
            app: 'emr',
            profile: 'embedded',
            monitor: { snapshot: () => ({ dataKeysGenerated: 0 }) },
          },
        },
      ],
    };
  },
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP call: node's client lets a test set Host, Origin and any Authorization. */
function call(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers: { ...headers, connection: 'close' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Every log entry of an app, with its level, as the logger received it. */
class CapturingLogger implements LoggerService {
  readonly entries: Array<{ level: string; text: string }> = [];
  private keep(level: string, args: unknown[]) {
    this.entries.push({
      level,
      text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
    });
  }
  log(...args: unknown[]) {
    this.keep('log', args);
  }
  warn(...args: unknown[]) {
    this.keep('warn', args);
  }
  error(...args: unknown[]) {
    this.keep('error', args);
  }
}

async function startApp(
  issuer: TestIssuer,
  env: Record<string, string> = {},
  controllers: Array<new (...args: never[]) => object> = [ProbeController],
  logger: LoggerService | false = false,
): Promise<{ app: ClinicApplication; port: number }> {
  const config = loadAppConfig('emr', {
    PORT: '0',
    CLINIC_STATE_DIR: path.join(os.tmpdir(), 'clinic-guard-test'),
    CLINIC_OIDC_ISSUER: issuer.issuer,
    // Never connected to (the test blueprint has no database); set so no login password is looked up.
    DATABASE_URL: 'postgres://guard-test@127.0.0.1:1/emr',
    ...env,
  });
  const app = await createClinicApp(blueprintOf(controllers), config, { logger });
  await startClinicApp(app);
  const server = app.http.getHttpServer() as http.Server;
  return { app, port: (server.address() as AddressInfo).port };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

describe('access guard and HTTP edge (e2e)', () => {
  let issuer: TestIssuer;
  let main: { app: ClinicApplication; port: number };
  const logs = new CapturingLogger();
  beforeAll(async () => {
    issuer = await startTestIssuer();
    main = await startApp(
      issuer,
      { CLINIC_RATE_LIMIT_READS: '100000', CLINIC_RATE_LIMIT_WRITES: '100000' },
      [ProbeController],
      logs,
    );
  });
  afterAll(async () => {
    await main?.app.http.close();
    await issuer?.close();
  });
  const get = (urlPath: string, headers: Record<string, string> = {}) =>
    call(main.port, 'GET', urlPath, headers);
  const now = () => Math.floor(Date.now() / 1000);

  describe('tokens', () => {
    it('admits a valid token of an admitted role, and the handler sees the principal', async () => {
      const answer = await get('/records/r1', bearer(await issuer.tokenFor('nurse')));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ id: 'r1', subject: staffFor('nurse').subject });
    });

    it('accepts the scheme in any case', async () => {
      const token = await issuer.tokenFor('physician');
      expect((await get('/records/r1', { authorization: `bEaReR ${token}` })).status).toBe(200);
    });

    it.each<[string, () => Promise<Record<string, string>>]>([
      ['no Authorization header', () => Promise.resolve({})],
      ['an empty header', () => Promise.resolve({ authorization: '' })],
      ['Basic credentials', () => Promise.resolve({ authorization: 'Basic cGh5c2ljaWFuOnNlY3JldA==' })],
      ['Bearer with nothing after it', () => Promise.resolve({ authorization: 'Bearer ' })],
      ['two tokens', async () => ({ authorization: `Bearer ${await issuer.sign()} ${await issuer.sign()}` })],
      [
        'two Bearer credentials',
        async () => ({ authorization: `Bearer ${await issuer.sign()}, Bearer ${await issuer.sign()}` }),
      ],
      ['abc', () => Promise.resolve(bearer('abc'))],
      ['a.b.c', () => Promise.resolve(bearer('a.b.c'))],
      ['a 12 KB token', () => Promise.resolve(bearer(`${'a'.repeat(6_000)}.${'b'.repeat(6_000)}.c`))],
      [
        'an expired token',
        async () => bearer(await issuer.sign({ claims: { iat: now() - 120, exp: now() - 60 } })),
      ],
      ['nbf in the future', async () => bearer(await issuer.sign({ claims: { nbf: now() + 300 } }))],
      [
        'iat in the future',
        async () => bearer(await issuer.sign({ claims: { iat: now() + 300, exp: now() + 600 } })),
      ],
      [
        'a wrong issuer',
        async () => bearer(await issuer.sign({ claims: { iss: 'https://idp.example.org' } })),
      ],
      ['a wrong audience', async () => bearer(await issuer.sign({ claims: { aud: 'another-api' } }))],
      ['alg none', async () => bearer(await issuer.sign({ alg: 'none' }))],
      ['HS256 keyed with the public key', async () => bearer(await issuer.sign({ alg: 'HS256' }))],
      ['another key under the same kid', async () => bearer(await issuer.sign({ foreignKey: true }))],
      ['an unknown kid', async () => bearer(await issuer.sign({ kid: 'unknown-kid' }))],
      ['no sub', async () => bearer(await issuer.sign({ claims: { sub: undefined } }))],
    ])('answers 401 for %s, with a Bearer challenge and nothing of the token', async (_, headers) => {
      const sent = await headers();
      const before = handled.length;
      const answer = await get('/records/r1', sent);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="clinic"(, error="invalid_token")?$/);
      const token = sent.authorization?.split(' ')[1];
      if (token && token.length > 8) expect(answer.body).not.toContain(token.slice(0, 40));
      expect(handled.length).toBe(before);
    });

    it("answers 431 to a 20 KB Authorization header: node's header limit refuses it before the app", async () => {
      const answer = await get('/records/r1', bearer(`${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`));
      expect(answer.status).toBe(431);
    });

    it('logs refusals at warn, with status, route and request id, and no token, claim or stack', async () => {
      const token = await issuer.sign({ claims: { aud: 'another-api', name: 'Qacanary' } });
      const from = logs.entries.length;
      const answer = await get('/records/r1', { ...bearer(token), 'x-request-id': 'guard-log-test-1' });
      expect(answer.status).toBe(401);
      const entries = logs.entries.slice(from);
      expect(entries.map((e) => e.level)).toEqual(['warn']);
      expect(entries[0].text).toContain('"status":401');
      expect(entries[0].text).toContain('"route":"/records/:id"');
      expect(entries[0].text).toContain('guard-log-test-1');
      expect(entries[0].text).not.toMatch(/Qacanary|another-api|at \w+ \(|eyJ/);
    });

    it('names invalid_token only when a token was sent (RFC 6750)', async () => {
      expect((await get('/records/r1')).headers['www-authenticate']).toBe('Bearer realm="clinic"');
      expect((await get('/records/r1', bearer('abc'))).headers['www-authenticate']).toBe(
        'Bearer realm="clinic", error="invalid_token"',
      );
    });

    it('answers 403 naming the admitted roles to a signed-in person of another role', async () => {
      const answer = await get('/records/r1', bearer(await issuer.tokenFor('billing-clerk')));
      expect(answer.status).toBe(403);
      expect((JSON.parse(answer.body) as { message: string }).message).toContain('physician, nurse');
    });

    it('lets anyone call a public route, GET /health among them', async () => {
      expect((await get('/open')).status).toBe(200);
      const health = await get('/health');
      expect(health.status).toBe(200);
      expect((JSON.parse(health.body) as { status: string }).status).toBe('ok');
    });

    it('admits only administrators to GET /key-use', async () => {
      expect((await get('/key-use')).status).toBe(401);
      expect((await get('/key-use', bearer(await issuer.tokenFor('physician')))).status).toBe(403);
      expect((await get('/key-use', bearer(await issuer.tokenFor('administrator')))).status).toBe(200);
    });

    it('answers 401, never 5xx, whatever the Authorization header holds (fuzz)', async () => {
      const base64url = fc.string({ unit: fc.constantFrom(...'ABCxyz019-_.=+/'.split('')), maxLength: 300 });
      const printable = fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 400,
      });
      const header = fc.oneof(
        printable,
        printable.map((s) => `Bearer ${s}`),
        base64url.map((s) => `Bearer ${s}`),
        fc.tuple(base64url, base64url, base64url).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
        fc
          .tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', ''), printable)
          .map(([s, t]) => `${s}  ${t}`),
        fc
          .jsonValue()
          .map(
            (v) =>
              `Bearer ${Buffer.from(JSON.stringify({ alg: 'RS256', kid: issuer.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')}.c2ln`,
          ),
      );
      await fc.assert(
        fc.asyncProperty(header, async (value) => {
          const answer = await get('/records/fuzz', { authorization: value });
          // A value node sends trimmed to nothing counts as "missing": still a 401.
          expect(answer.status).toBe(401);
        }),
        { numRuns: 300 },
      );
      expect(handled).not.toContain('read fuzz');
    });
  });

  describe('the edge', () => {
    it('sends security headers and no-store on every answer, refused ones too', async () => {
      for (const answer of [await get('/open'), await get('/records/r1'), await get('/no-such-route')]) {
        expect(answer.headers['x-powered-by']).toBeUndefined();
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
        expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(answer.headers['x-frame-options']).toBe('DENY');
      }
    });

    it('answers 400 naming CLINIC_ALLOWED_HOSTS to a Host it does not answer to (DNS rebinding)', async () => {
      const answer = await get('/open', { host: `attacker.example:${main.port}` });
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('CLINIC_ALLOWED_HOSTS');
      expect(answer.body).not.toContain('attacker');
      expect((await get('/open', { host: `localhost:${main.port}` })).status).toBe(200);
    });

    it.each([
      ['a form', 'application/x-www-form-urlencoded', 'name=Qacanary'],
      [
        'multipart',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
      ],
      ['text/plain', 'text/plain', '{"name":"Qacanary"}'],
      ['JSON under another type', 'application/jsonp', '{}'],
    ])('refuses %s POST with 415 naming content-type, before the handler runs', async (_, type, body) => {
      const before = handled.length;
      const answer = await call(
        main.port,
        'POST',
        '/records',
        { 'content-type': type, ...bearer(await issuer.tokenFor('physician')) },
        body,
      );
      expect(answer.status).toBe(415);
      expect(answer.body).toContain('content-type must be application/json');
      expect(answer.body).not.toContain('Qacanary');
      expect(handled.length).toBe(before);
    });

    it('refuses a POST without a content-type and takes JSON with a charset', async () => {
      const token = await issuer.tokenFor('physician');
      expect((await call(main.port, 'POST', '/records', bearer(token))).status).toBe(415);
      const answer = await call(
        main.port,
        'POST',
        '/records',
        { 'content-type': 'application/json; charset=utf-8', ...bearer(token) },
        '{"a":1}',
      );
      expect(answer.status).toBe(201);
    });

    it('refuses a foreign Origin with 403, and gives the web app CORS headers', async () => {
      const token = await issuer.tokenFor('physician');
      const foreign = await call(
        main.port,
        'POST',
        '/records',
        { origin: 'http://evil.example', ...json, ...bearer(token) },
        '{}',
      );
      expect(foreign.status).toBe(403);
      expect(foreign.body).toContain('origin');
      expect((await get('/open', { origin: 'null' })).status).toBe(403);

      const allowed = await get('/records/r1', { origin: 'http://127.0.0.1:8080', ...bearer(token) });
      expect(allowed.status).toBe(200);
      expect(allowed.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8080');
      const preflight = await call(main.port, 'OPTIONS', '/records', {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
      expect(preflight.headers['access-control-allow-headers']?.toLowerCase()).toContain('idempotency-key');
      // The app's own origin (its Swagger UI) may call it.
      expect((await get('/open', { origin: `http://127.0.0.1:${main.port}` })).status).toBe(200);
    });

    it('serves no /docs unless CLINIC_API_DOCS=on', async () => {
      expect((await get('/docs')).status).toBe(404);
      expect((await get('/docs-json')).status).toBe(404);
    });
  });

  describe('rate limits and API docs (CLINIC_RATE_LIMIT_READS=3, CLINIC_RATE_LIMIT_WRITES=2, CLINIC_API_DOCS=on)', () => {
    let limited: { app: ClinicApplication; port: number };
    beforeAll(async () => {
      limited = await startApp(issuer, {
        CLINIC_RATE_LIMIT_READS: '3',
        CLINIC_RATE_LIMIT_WRITES: '2',
        CLINIC_API_DOCS: 'on',
      });
    });
    afterAll(() => limited?.app.http.close());

    it('answers 429 with Retry-After past the limit, per person, reads and writes apart', async () => {
      const nurse = bearer(await issuer.tokenFor('nurse'));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await call(limited.port, 'GET', '/records/r1', nurse)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await call(limited.port, 'GET', '/records/r1', nurse);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      // One bucket per person across routes, not one per route.
      expect((await call(limited.port, 'GET', '/charts/c1', nurse)).status).toBe(429);
      // Another person is not held back by the nurse's bucket.
      expect(
        (await call(limited.port, 'GET', '/records/r1', bearer(await issuer.tokenFor('physician')))).status,
      ).toBe(200);
      // Writes have their own bucket.
      const physician = { ...json, ...bearer(await issuer.tokenFor('physician')) };
      const writes: number[] = [];
      for (let i = 0; i < 3; i++)
        writes.push((await call(limited.port, 'POST', '/records', physician, '{}')).status);
      expect(writes).toEqual([201, 201, 429]);
    });

    it('does not limit GET /health, and counts other public routes per client address', async () => {
      for (let i = 0; i < 10; i++) expect((await call(limited.port, 'GET', '/health')).status).toBe(200);
      const open: number[] = [];
      for (let i = 0; i < 4; i++) open.push((await call(limited.port, 'GET', '/open')).status);
      expect(open).toEqual([200, 200, 200, 429]);
    });

    it('serves /docs with its own CSP when CLINIC_API_DOCS=on', async () => {
      const docs = await call(limited.port, 'GET', '/docs');
      expect(docs.status).toBe(200);
      expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
      expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(docs.body).not.toMatch(/<script>[^<]/); // no inline script that the CSP would block
      const document = await call(limited.port, 'GET', '/docs-json');
      const openApi = JSON.parse(document.body) as {
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(openApi.components.securitySchemes.bearer).toBeDefined();
    });
  });

  describe('when the identity provider is unreachable', () => {
    let own: TestIssuer;
    let app: { app: ClinicApplication; port: number };
    beforeAll(async () => {
      own = await startTestIssuer();
      app = await startApp(own);
    });
    afterAll(async () => {
      await app?.app.http.close();
      await own?.close();
    });

    it('answers 503 with Retry-After before any key was fetched, then keeps using cached keys', async () => {
      const token = await own.tokenFor('physician');
      own.setDown(true);
      const down = await call(app.port, 'GET', '/records/r1', bearer(token));
      expect(down.status).toBe(503);
      expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);
      expect(down.body).not.toContain(token.slice(0, 40));

      own.setDown(false);
      const deadline = Date.now() + 5_000;
      let status = 0;
      while (
        Date.now() < deadline &&
        (status = (await call(app.port, 'GET', '/records/r1', bearer(token))).status) === 503
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);

      own.setDown(true);
      expect((await call(app.port, 'GET', '/records/r1', bearer(await own.tokenFor('nurse')))).status).toBe(
        200,
      );
    });
  });

  it('lists every HTTP route of a built app with its rule (for route x role table tests)', () => {
    const routes = declaredRoutesOf(main.app.http);
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/health', access: { kind: 'public' } }),
        expect.objectContaining({
          method: 'GET',
          path: '/key-use',
          access: { kind: 'roles', roles: ['administrator'] },
        }),
        expect.objectContaining({
          controller: 'ProbeController',
          handler: 'read',
          method: 'GET',
          path: '/records/:id',
          access: { kind: 'roles', roles: ['physician', 'nurse'] },
        }),
        expect.objectContaining({
          method: 'POST',
          path: '/records',
          access: { kind: 'roles', roles: ['physician'] },
        }),
      ]),
    );
    expect(routes).toHaveLength(6);
  });

  it('lets message handlers through the global guards (inheritAppConfig), with no token and past any rate limit', async () => {
    const started = await startApp(issuer, { CLINIC_RATE_LIMIT_WRITES: '1', CLINIC_RATE_LIMIT_READS: '1' }, [
      EventsController,
    ]);
    try {
      const transport = new HandTransport();
      started.app.http.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
      await started.app.http.startAllMicroservices();
      for (const id of ['e1', 'e2', 'e3']) {
        await expect(transport.deliver('record.created', { id })).resolves.toEqual({ handled: id });
      }
      expect(handled).toEqual(expect.arrayContaining(['event e1', 'event e2', 'event e3']));
    } finally {
      await started.app.http.close();
    }
  });

  it('refuses to start an app with a route that declares no access rule, naming it', async () => {
    const error = await startApp(issuer, {}, [ProbeController, UnruledController]).then(
      async (started) => {
        await started.app.http.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingAccessRuleError);
    expect((error as Error).message).toContain('UnruledController.thing (GET /unruled/thing/:id)');
    expect((error as Error).message).not.toContain('ProbeController');
  });
});
