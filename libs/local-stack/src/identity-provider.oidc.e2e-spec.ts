/**
 * The embedded OpenID Connect provider as its own process (startIdentityProvider), on free
 * ports with temporary state folders: discovery, keys and files, code + PKCE sign-in for every
 * member of staff, what is refused (no PKCE, `plain`, password and client_credentials grants,
 * wrong passwords, too many failures), refresh rotation, automatic logoff (idle and absolute),
 * sign-out, and keys that survive a restart.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';
import {
  COOKIE_KEYS_FILE,
  JWKS_FILE,
  loadIdentityConfig,
  STAFF,
  STAFF_FILE,
  type IdentityConfig,
} from '@app/identity';
import {
  browserSignIn,
  resumeSession,
  signIn,
  SignInError,
  SignInErrorCode,
  type StaffSession,
} from '@app/identity/client';

const CLIENT = 'clinic-cli';

function identityFor(stateDir: string, env: Record<string, string> = {}): IdentityConfig {
  return loadIdentityConfig(env, { profile: 'embedded', stateDir });
}

async function passwordsOf(identity: IdentityConfig): Promise<Record<string, string>> {
  const { readStaffPasswords } = await import('@app/identity');
  return { ...readStaffPasswords(identity.stateDir)! };
}

/** A raw token-endpoint request (what openid-client would refuse to send). */
async function tokenRequest(issuer: string, body: Record<string, string>) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: string; refresh_token?: string },
  };
}

/** Walks to the provider's sign-in form by hand: returns its action URL and the cookies. */
async function openSignInForm(issuer: string): Promise<{ action: string; cookie: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CLIENT,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: 'http://127.0.0.1:9/callback',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 's',
  }).toString();
  const first = await fetch(url, { redirect: 'manual' });
  expect(first.status).toBe(303);
  const cookie = first.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const formUrl = new URL(first.headers.get('location')!, issuer);
  const form = await fetch(formUrl, { headers: { cookie } });
  const html = await form.text();
  expect(form.status).toBe(200);
  expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(html).not.toMatch(/<script/i);
  expect(html).toMatch(/<label for="username">/);
  expect(html).toMatch(/autocomplete="current-password"/);
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1];
  return { action: new URL(action, issuer).href, cookie };
}

async function postSignIn(form: { action: string; cookie: string }, username: string, password: string) {
  const response = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    html: await response.text(),
  };
}

describe('embedded identity provider (own process)', () => {
  let root: string;
  let identity: IdentityConfig;
  let idp: IdentityProvider;
  let passwords: Record<string, string>;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'clinic-idp-'));
    identity = identityFor(root);
    idp = await startIdentityProvider({ port: 0, identity });
    passwords = await passwordsOf(identity);
  }, 60_000);

  afterAll(async () => {
    await idp?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const signInAs = (username: string) =>
    signIn({ issuer: idp.issuer, clientId: CLIENT, username, password: passwords[username] });

  it('answers a request line no URL parser takes with 400, and lives on (a stopped provider frees its port)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(idp.port, '127.0.0.1', () =>
        socket.write('GET //[ HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(await idp.healthy()).toBe(true);
  });

  it('publishes discovery and public keys on 127.0.0.1 only, and keeps its secrets owner-only', async () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await idp.healthy()).toBe(true);
    const discovery = (await (
      await fetch(`${idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.grant_types_supported).toEqual(
      expect.not.arrayContaining(['password', 'client_credentials']),
    );
    expect(discovery.end_session_endpoint).toBeDefined();
    expect(discovery.revocation_endpoint).toBeDefined();
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.alg)).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');

    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of others) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: address, port: idp.port });
        socket.once('connect', () => (socket.destroy(), resolve('connected')));
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect({ address, outcome }).toEqual({ address, outcome: 'ECONNREFUSED' });
    }

    expect(statSync(identity.stateDir).mode & 0o777).toBe(0o700);
    for (const file of [STAFF_FILE, JWKS_FILE, COOKIE_KEYS_FILE]) {
      expect({ file, mode: statSync(path.join(identity.stateDir, file)).mode & 0o777 }).toEqual({
        file,
        mode: 0o600,
      });
    }
    for (const member of STAFF) expect(passwords[member.username]).toMatch(/^[A-Za-z0-9-]{16,}$/);
  });

  it('signs every member of staff in with code + PKCE: RS256 JWT for clinic-api with their roles', async () => {
    const keys = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    for (const member of STAFF) {
      const session = await signInAs(member.username);
      const { payload, protectedHeader } = await jwtVerify(session.accessToken, keys, {
        issuer: idp.issuer,
        audience: identity.audience,
        algorithms: ['RS256'],
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload.aud).toBe('clinic-api');
      expect(payload.sub).toBe(member.subject);
      expect(payload.roles).toEqual(member.roles);
      expect(payload.pharmacy).toBe(member.pharmacyId);
      expect(payload.client_id).toBe(CLIENT);
      expect(typeof payload.sid).toBe('string');
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(identity.accessTokenSeconds);
      // Ids and role names only: no display name in the token.
      expect(JSON.stringify(payload)).not.toContain(member.name);
      expect(session.subject).toBe(member.subject);
      expect(session.roles).toEqual(member.roles);
      expect(session.refreshToken).toBeDefined();
    }
  });

  it('browserSignIn: prints the authorization URL and takes the code from the loopback redirect', async () => {
    /** What a person's browser does with the printed URL: follow, fill the form, follow. */
    const browser = async (start: string) => {
      const cookies = new Map<string, string>();
      let url = start;
      let init: RequestInit = {};
      for (let hop = 0; hop < 10; hop++) {
        const response = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: {
            ...(init.headers as object),
            cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          },
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [name, value] = cookie.split(';')[0].split('=');
          if (value) cookies.set(name, value);
          else cookies.delete(name);
        }
        const location = response.headers.get('location');
        if (location) {
          url = new URL(location, url).href;
          init = {};
          if (
            url.startsWith('http://127.0.0.1:') &&
            new URL(url).pathname === '/callback' &&
            !url.startsWith(idp.issuer)
          ) {
            await (await fetch(url)).text();
            return;
          }
          continue;
        }
        const html = await response.text();
        const action = /<form method="post" action="([^"]+)"/.exec(html)![1];
        url = new URL(action, idp.issuer).href;
        init = {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'nurse', password: passwords.nurse }).toString(),
        };
      }
    };
    let printed = '';
    const session = await browserSignIn({
      issuer: idp.issuer,
      clientId: CLIENT,
      promptConsent: true,
      timeoutMs: 20_000,
      onUrl: (url) => {
        printed = url;
        void browser(url);
      },
    });
    const authorize = new URL(printed);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(session.roles).toEqual(['nurse']);
    expect(session.refreshToken).toBeDefined();
    // Nobody comes back: a bounded wait, then a clear error.
    await expect(
      browserSignIn({ issuer: idp.issuer, clientId: CLIENT, timeoutMs: 300, onUrl: () => undefined }),
    ).rejects.toMatchObject({ code: SignInErrorCode.TimedOut });
  });

  it('refuses an authorization request without PKCE or with the plain method', async () => {
    const base = {
      client_id: CLIENT,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://127.0.0.1:9/callback',
      state: 's',
    };
    const without = await fetch(`${idp.issuer}/auth?${new URLSearchParams(base).toString()}`, {
      redirect: 'manual',
    });
    const plain = await fetch(
      `${idp.issuer}/auth?${new URLSearchParams({ ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }).toString()}`,
      { redirect: 'manual' },
    );
    for (const response of [without, plain]) {
      // The error goes back to the (registered) redirect URI, never to a sign-in form.
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin).toBe('http://127.0.0.1:9');
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses the password and client_credentials grants', async () => {
    const password = await tokenRequest(idp.issuer, {
      grant_type: 'password',
      client_id: CLIENT,
      username: 'physician',
      password: passwords.physician,
    });
    expect(password.status).toBe(400);
    expect(password.body.error).toBe('unsupported_grant_type');
    const credentials = await tokenRequest(idp.issuer, {
      grant_type: 'client_credentials',
      client_id: CLIENT,
    });
    expect(credentials.status).toBe(400);
    expect(['unsupported_grant_type', 'unauthorized_client']).toContain(credentials.body.error);
  });

  it('refuses a wrong password with one generic message that echoes nothing typed', async () => {
    const typed = 'physician-zq81x';
    const form = await openSignInForm(idp.issuer);
    const wrong = await postSignIn(form, typed, 'not-the-password-7731');
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The username or password is not correct.');
    expect(wrong.html).not.toContain(typed);
    expect(wrong.html).not.toContain('not-the-password-7731');
    // A real username with a wrong password reads exactly the same.
    const real = await postSignIn(await openSignInForm(idp.issuer), 'nurse', 'not-the-password-7731');
    expect(real.status).toBe(401);
    expect(real.html.replace(/\/interaction\/[^"]+/g, '')).toBe(
      wrong.html.replace(/\/interaction\/[^"]+/g, ''),
    );
    await expect(
      signIn({ issuer: idp.issuer, clientId: CLIENT, username: 'nurse', password: 'wrong-password-0000' }),
    ).rejects.toMatchObject({ code: SignInErrorCode.InvalidCredentials });
  });

  it('rotates refresh tokens: a new one each time, and a replayed one ends the grant', async () => {
    const session = await signInAs('scheduler');
    const first = session.refreshToken!;
    const rotated = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: first,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toBeDefined();
    expect(rotated.body.refresh_token).not.toBe(first);
    const replay = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: first,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // Reuse detection revoked the whole grant: the rotated token is dead too.
    const after = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: rotated.body.refresh_token!,
    });
    expect(after.body.error).toBe('invalid_grant');
  });

  it('signs out: the refresh token is revoked and the session cannot be resumed', async () => {
    const session = await signInAs('billing');
    const stored = session.stored();
    await session.signOut();
    const refused = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: stored.refreshToken!,
    });
    expect(refused.body.error).toBe('invalid_grant');
    const resumed = resumeSession({ ...stored, expiresAt: 0 });
    await expect(resumed.freshAccessToken()).rejects.toMatchObject({ code: SignInErrorCode.SessionEnded });
  });

  it('keeps its signing keys across a restart: an old token still verifies against the new JWKS', async () => {
    const session = await signInAs('privacy');
    const port = idp.port;
    await idp.stop();
    idp = await startIdentityProvider({ port, identity });
    expect(await passwordsOf(identity)).toEqual(passwords);
    const keys = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const { payload } = await jwtVerify(session.accessToken, keys, {
      issuer: idp.issuer,
      audience: 'clinic-api',
    });
    expect(payload.sub).toBe(STAFF.find((s) => s.username === 'privacy')!.subject);
    // Sessions live in memory: the restart signed everyone out.
    const refused = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: session.refreshToken!,
    });
    expect(refused.body.error).toBe('invalid_grant');
  });
});

describe('embedded identity provider: throttled sign-in', () => {
  let root: string;
  let idp: IdentityProvider;
  let passwords: Record<string, string>;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'clinic-idp-'));
    const identity = identityFor(root);
    idp = await startIdentityProvider({ port: 0, identity });
    passwords = await passwordsOf(identity);
  }, 60_000);

  afterAll(async () => {
    await idp?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 429 with Retry-After from the 6th failure on, even to the right password', async () => {
    const form = await openSignInForm(idp.issuer);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await postSignIn(form, 'pharmacist', `wrong-${attempt}`)).status).toBe(401);
    }
    const sixth = await postSignIn(form, 'pharmacist', 'wrong-6');
    expect(sixth.status).toBe(429);
    const wait = Number(sixth.retryAfter);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    const right = await postSignIn(form, 'pharmacist', passwords.pharmacist);
    expect(right.status).toBe(429);
    await expect(
      signIn({
        issuer: idp.issuer,
        clientId: CLIENT,
        username: 'pharmacist',
        password: passwords.pharmacist,
      }),
    ).rejects.toMatchObject({ code: SignInErrorCode.Throttled });
    // The address is throttled too: another username from here is refused meanwhile.
    expect((await postSignIn(await openSignInForm(idp.issuer), 'nurse', passwords.nurse)).status).toBe(429);
  });
});

describe('embedded identity provider: automatic logoff', () => {
  let root: string;
  let idp: IdentityProvider;
  let passwords: Record<string, string>;
  const IDLE_S = 3;
  const MAX_S = 7;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'clinic-idp-'));
    const identity = identityFor(root, {
      CLINIC_SESSION_IDLE_SECONDS: String(IDLE_S),
      CLINIC_SESSION_MAX_SECONDS: String(MAX_S),
    });
    expect(identity.accessTokenSeconds).toBe(IDLE_S);
    idp = await startIdentityProvider({ port: 0, identity });
    passwords = await passwordsOf(identity);
  }, 60_000);

  afterAll(async () => {
    await idp?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const signInAs = (username: string): Promise<StaffSession> =>
    signIn({ issuer: idp.issuer, clientId: CLIENT, username, password: passwords[username] });
  const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));

  it('ends an idle session after the idle time; a session used every second lives on, up to the absolute lifetime', async () => {
    const keys = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
    const [idle, busy] = await Promise.all([signInAs('nurse'), signInAs('physician')]);
    const start = Date.now();
    const idleToken = idle.accessToken;
    const busyTokens: string[] = [];
    // The busy session refreshes every second (its access token never has a minute left).
    let second = 1;
    for (; start + second * 1000 < start + (IDLE_S + 1.5) * 1000; second++) {
      await until(start + second * 1000);
      busyTokens.push(await busy.freshAccessToken());
    }
    // ~4.5 s idle: the refresh token lapsed, the access token expired.
    await expect(idle.freshAccessToken()).rejects.toBeInstanceOf(SignInError);
    await expect(idle.freshAccessToken()).rejects.toMatchObject({ code: SignInErrorCode.SessionEnded });
    await expect(
      jwtVerify(idleToken, keys, { issuer: idp.issuer, audience: 'clinic-api' }),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
    // The busy one is past the idle time and still gets valid tokens.
    expect(Date.now() - start).toBeGreaterThan(IDLE_S * 1000);
    const latest = await jwtVerify(busyTokens[busyTokens.length - 1], keys, {
      issuer: idp.issuer,
      audience: 'clinic-api',
    });
    // Nothing outlives the absolute lifetime: no token expires after sign-in + MAX_S.
    const absoluteEndS = Math.ceil(start / 1000) + MAX_S + 1;
    expect(latest.payload.exp!).toBeLessThanOrEqual(absoluteEndS);
    let ended: unknown;
    for (; second <= MAX_S + 2 && !ended; second++) {
      await until(start + second * 1000);
      try {
        const token = await busy.freshAccessToken();
        expect(decodeJwt(token).exp!).toBeLessThanOrEqual(absoluteEndS);
      } catch (error) {
        ended = error;
      }
    }
    expect(ended).toMatchObject({ code: SignInErrorCode.SessionEnded });
    const endedAfterS = (Date.now() - start) / 1000;
    expect(endedAfterS).toBeGreaterThanOrEqual(MAX_S - 1);
    expect(endedAfterS).toBeLessThanOrEqual(MAX_S + 2);
  }, 30_000);
});
