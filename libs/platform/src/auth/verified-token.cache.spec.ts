import { AccessTokenVerifier, TokenRefusedError, type Principal } from '@app/identity';
import { startTestIssuer, type TestIssuer } from '@app/identity/testing';
import { VerifiedTokenCache } from './verified-token.cache';

/** Every timer stays real: only the clock (Date) moves. */
const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

describe('VerifiedTokenCache', () => {
  let issuer: TestIssuer;
  let verifier: AccessTokenVerifier;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    verifier = AccessTokenVerifier.create(issuer.identity());
  });
  afterAll(() => issuer?.close());
  afterEach(() => jest.useRealTimers());

  const counting = () => {
    const verify = jest.fn((token: string) => verifier.verify(token));
    return verify;
  };

  it('verifies a token once, then answers its principal from memory', async () => {
    const cache = new VerifiedTokenCache();
    const verify = counting();
    const token = await issuer.tokenFor('physician');
    const first = await cache.principalOf(token, verify);
    const second = await cache.principalOf(token, verify);
    expect(second).toEqual(first);
    expect(first.roles).toEqual(['physician']);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('still refuses a tampered copy of a cached token (another key: verified, and refused)', async () => {
    const cache = new VerifiedTokenCache();
    const token = await issuer.tokenFor('physician');
    await cache.principalOf(token, counting());
    const [header, payload, signature] = token.split('.');
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['physician', 'pharmacist'] })).toString(
      'base64url',
    );
    const verify = counting();
    for (const tampered of [`${header}.${payload}.${flipped}`, `${header}.${elevated}.${signature}`]) {
      await expect(cache.principalOf(tampered, verify)).rejects.toMatchObject({ reason: 'signature' });
    }
    expect(verify).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(1);
  });

  it('refuses a cached token once it has expired (its entry ends at exp, the verifier says why)', async () => {
    const cache = new VerifiedTokenCache(60 * 60_000);
    const start = Date.now();
    const token = await issuer.sign({
      claims: { iat: Math.floor(start / 1000), exp: Math.floor(start / 1000) + 20 },
    });
    const verify = counting();
    await cache.principalOf(token, verify);
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: start + 15_000 });
    await cache.principalOf(token, verify);
    expect(verify).toHaveBeenCalledTimes(1); // before exp: from memory
    jest.setSystemTime(start + 60_000); // past exp and the verifier's clock tolerance
    await expect(cache.principalOf(token, verify)).rejects.toBeInstanceOf(TokenRefusedError);
    await expect(cache.principalOf(token, verify)).rejects.toMatchObject({ reason: 'expired' });
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('verifies again after its short TTL, even when the token lives longer', async () => {
    let now = 1_000_000;
    const cache = new VerifiedTokenCache(30_000, 10, () => now);
    const principal: Principal = { subject: 's-1', roles: ['nurse'] };
    const verify = jest.fn(() => Promise.resolve(principal));
    const token = await issuer.tokenFor('nurse'); // exp 300 s after now (real clock), iat now
    // The fake clock starts at the token's issue time.
    now = Date.now();
    await cache.principalOf(token, verify);
    now += 29_000;
    await cache.principalOf(token, verify);
    expect(verify).toHaveBeenCalledTimes(1);
    now += 2_000;
    await cache.principalOf(token, verify);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('holds at most its bound, forgetting the oldest token first', async () => {
    const cache = new VerifiedTokenCache(30_000, 2);
    const verify = counting();
    const tokens = [
      await issuer.tokenFor('physician'),
      await issuer.tokenFor('nurse'),
      await issuer.tokenFor('pharmacist'),
    ];
    for (const token of tokens) await cache.principalOf(token, verify);
    expect(cache.size).toBe(2);
    await cache.principalOf(tokens[2], verify);
    await cache.principalOf(tokens[1], verify);
    expect(verify).toHaveBeenCalledTimes(3);
    await cache.principalOf(tokens[0], verify);
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('does not remember a refusal', async () => {
    const cache = new VerifiedTokenCache();
    const verify = jest.fn(() => Promise.reject(new TokenRefusedError('signature')));
    const token = await issuer.tokenFor('physician');
    await expect(cache.principalOf(token, verify)).rejects.toBeInstanceOf(TokenRefusedError);
    await expect(cache.principalOf(token, verify)).rejects.toBeInstanceOf(TokenRefusedError);
    expect(verify).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });
});
