import {
  AccessTokenVerifier,
  KeySetUnavailableError,
  TokenRefusedError,
  type TokenRefusal,
} from './verifier';
import { startTestIssuer, type TestIssuer } from './testing';
import { staffFor } from './staff';

describe('AccessTokenVerifier', () => {
  let issuer: TestIssuer;
  let verifier: AccessTokenVerifier;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    verifier = AccessTokenVerifier.create(issuer.identity());
  });
  afterAll(() => issuer?.close());

  const now = () => Math.floor(Date.now() / 1000);
  const refusalOf = async (
    token: string | Promise<string>,
    v = verifier,
  ): Promise<TokenRefusal | 'accepted'> => {
    try {
      await v.verify(await token);
      return 'accepted';
    } catch (error) {
      if (error instanceof TokenRefusedError) return error.reason;
      throw error;
    }
  };

  it("turns a valid token into the person's principal (subject, roles, pharmacy)", async () => {
    const pharmacist = staffFor('pharmacist');
    await expect(verifier.verify(await issuer.tokenFor('pharmacist'))).resolves.toMatchObject({
      subject: pharmacist.subject,
      roles: ['pharmacist'],
      pharmacyId: pharmacist.pharmacyId,
    });
  });

  it('fetches the discovery document once and caches the keys', async () => {
    const fresh = AccessTokenVerifier.create(issuer.identity());
    const before = { ...issuer.hits };
    for (let i = 0; i < 5; i++) await fresh.verify(await issuer.sign());
    expect(issuer.hits.discovery - before.discovery).toBe(1);
    expect(issuer.hits.jwks - before.jwks).toBe(1);
  });

  it.each<[string, () => Promise<string> | string, TokenRefusal]>([
    ['an empty token', () => '', 'missing'],
    ['abc', () => 'abc', 'malformed'],
    ['a.b.c', () => 'a.b.c', 'malformed'],
    ['20 KB of token', () => `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`, 'malformed'],
    ['an expired token', () => issuer.sign({ claims: { iat: now() - 120, exp: now() - 60 } }), 'expired'],
    [
      'a token older than 15 minutes',
      () => issuer.sign({ claims: { iat: now() - 1000, exp: now() + 60 } }),
      'expired',
    ],
    ['nbf in the future', () => issuer.sign({ claims: { nbf: now() + 120 } }), 'not-yet-valid'],
    [
      'iat in the future',
      () => issuer.sign({ claims: { iat: now() + 120, exp: now() + 400 } }),
      'issued-in-future',
    ],
    ['another issuer', () => issuer.sign({ claims: { iss: 'http://127.0.0.1:1' } }), 'issuer'],
    ['another audience', () => issuer.sign({ claims: { aud: 'some-other-api' } }), 'audience'],
    ['no audience', () => issuer.sign({ claims: { aud: undefined } }), 'claims'],
    ['alg none', () => issuer.sign({ alg: 'none' }), 'algorithm'],
    ['HS256 keyed with the public key (alg confusion)', () => issuer.sign({ alg: 'HS256' }), 'algorithm'],
    ['another key under the same kid', () => issuer.sign({ foreignKey: true }), 'signature'],
    ['an unknown kid', () => issuer.sign({ kid: 'no-such-key' }), 'unknown-key'],
    ['no sub', () => issuer.sign({ claims: { sub: undefined } }), 'claims'],
    ['an empty sub', () => issuer.sign({ claims: { sub: '' } }), 'claims'],
    ['no exp', () => issuer.sign({ claims: { exp: undefined } }), 'claims'],
    ['no iat', () => issuer.sign({ claims: { iat: undefined } }), 'claims'],
    ['an ID token', () => issuer.sign({ claims: { token_use: 'id' } }), 'token-use'],
  ])('refuses %s', async (_, make, reason) => {
    expect(await refusalOf(make())).toBe(reason);
  });

  it('never puts the token or its claims in the error', async () => {
    const token = await issuer.sign({ claims: { aud: 'secret-audience-Qacanary' } });
    const error = (await verifier.verify(token).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect(`${error.message} ${error.stack}`).not.toMatch(/Qacanary|secret-audience/);
    expect(error.message).not.toContain(token.slice(0, 20));
  });

  it('accepts 4 s of clock skew and refuses more than the tolerance', async () => {
    expect(await refusalOf(issuer.sign({ claims: { iat: now() - 100, exp: now() - 3 } }))).toBe('accepted');
    expect(await refusalOf(issuer.sign({ claims: { iat: now() - 100, exp: now() - 7 } }))).toBe('expired');
  });

  describe('Cognito mode (audience in client_id, token_use access)', () => {
    let cognito: AccessTokenVerifier;
    beforeAll(() => {
      cognito = AccessTokenVerifier.create(
        issuer.identity({
          audienceClaim: 'client_id',
          audience: 'app-client-1',
          rolesClaim: 'cognito:groups',
        }),
      );
    });
    const cognitoToken = (claims: Record<string, unknown>) =>
      issuer.sign({
        claims: {
          aud: undefined,
          client_id: 'app-client-1',
          token_use: 'access',
          'cognito:groups': ['nurse'],
          ...claims,
        },
      });

    it('accepts an access token of the app client and reads roles from cognito:groups', async () => {
      await expect(cognito.verify(await cognitoToken({}))).resolves.toMatchObject({ roles: ['nurse'] });
    });
    it.each<[string, Record<string, unknown>, TokenRefusal]>([
      ['another app client', { client_id: 'app-client-2' }, 'audience'],
      ['no client_id', { client_id: undefined }, 'audience'],
      ['an ID token', { token_use: 'id' }, 'token-use'],
      ['no token_use', { token_use: undefined }, 'token-use'],
    ])('refuses %s', async (_, claims, reason) => {
      expect(await refusalOf(cognitoToken(claims), cognito)).toBe(reason);
    });
  });

  describe('when the issuer is unreachable', () => {
    let own: TestIssuer;
    beforeEach(async () => {
      own = await startTestIssuer();
    });
    afterEach(() => own.close());

    it('refuses with KeySetUnavailableError (not a 401 reason) when no key was ever fetched', async () => {
      const cold = AccessTokenVerifier.create(own.identity());
      const token = await own.sign();
      own.setDown(true);
      const error = await cold.verify(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeySetUnavailableError);
      expect((error as KeySetUnavailableError).retryAfterS).toBeGreaterThan(0);
      // Back up: the next request discovers again (the failure is not cached for good).
      own.setDown(false);
      await waitUntilAccepted(cold, token);
    });

    it('keeps verifying with the cached keys, even once they are stale', async () => {
      const warm = AccessTokenVerifier.create(own.identity(), { cacheMaxAgeMs: 0, cooldownMs: 0 });
      await warm.verify(await own.sign());
      own.setDown(true);
      await expect(warm.verify(await own.tokenFor('nurse'))).resolves.toMatchObject({ roles: ['nurse'] });
      // A key only the unreachable JWKS could know: cannot decide, so 503, not 401.
      await expect(warm.verify(await own.sign({ kid: 'rotated-key' }))).rejects.toBeInstanceOf(
        KeySetUnavailableError,
      );
    });

    it('waits for a stalled JWKS once, then answers from the cached keys at once for a while', async () => {
      const warm = AccessTokenVerifier.create(own.identity(), {
        cacheMaxAgeMs: 0,
        cooldownMs: 0,
        timeoutMs: 500,
      });
      await warm.verify(await own.sign());
      own.setDown('hang');
      const token = await own.tokenFor('nurse');
      let started = Date.now();
      await expect(warm.verify(token)).resolves.toMatchObject({ roles: ['nurse'] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      started = Date.now();
      for (let i = 0; i < 5; i++) await warm.verify(token);
      expect(Date.now() - started).toBeLessThan(400);
    });
  });
});

/** Discovery failures are held for a second; poll until the verifier asks again. */
async function waitUntilAccepted(verifier: AccessTokenVerifier, token: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await verifier.verify(token);
      return;
    } catch (error) {
      if (!(error instanceof KeySetUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
