import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { IdentityConfig } from '../config';
import { DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID } from '../config';
import type { Role } from '../roles';
import { staffFor } from '../staff';

/** What a test token says; anything left out gets a valid default. `undefined` drops a claim. */
export interface TestTokenOptions {
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Header `alg` (default RS256); `none` gives an unsigned token, `HS256` one signed with the public key's PEM. */
  readonly alg?: 'RS256' | 'none' | 'HS256';
  /** Header `kid` (default the issuer's key id). */
  readonly kid?: string;
  /** Sign with a different private key than the published one (same kid unless `kid` says otherwise). */
  readonly foreignKey?: boolean;
}

/**
 * A stand-in OpenID Connect issuer for tests: a discovery document and a JWKS served on
 * 127.0.0.1:0 with a key pair jose generated, and a signer for any token a test needs, valid or
 * forged. Not a sign-in flow (the embedded provider is that); a way to make every token shape.
 */
export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly kid: string;
  /** Requests the discovery document and JWKS received (a test sees caching work). */
  readonly hits: { discovery: number; jwks: number };
  /** A token; by default a valid access token of the physician. */
  sign(options?: TestTokenOptions): Promise<string>;
  /** A valid access token of the first synthetic member of staff holding `role`. */
  tokenFor(role: Role, claims?: Readonly<Record<string, unknown>>): Promise<string>;
  /** An identity configuration that trusts this issuer (standard `aud`). */
  identity(overrides?: Partial<IdentityConfig>): IdentityConfig;
  /**
   * While down, every request's connection is dropped (the provider crashed); while hung, requests
   * are held unanswered (a provider or network that stalls).
   */
  setDown(down: boolean | 'hang'): void;
  close(): Promise<void>;
}

export async function startTestIssuer(options: { audience?: string } = {}): Promise<TestIssuer> {
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const publicPem = await exportSPKI(publicKey);
  const hits = { discovery: 0, jwks: 0 };
  let down: boolean | 'hang' = false;
  let issuer = '';

  const server = http.createServer((request, response) => {
    if (down === 'hang') return; // closed by close() (closeAllConnections)
    if (down) {
      request.socket.destroy();
      return;
    }
    const json = (body: unknown) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    } else if (request.url === '/jwks') {
      hits.jwks++;
      json({ keys: [publicJwk] });
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = async (opts: TestTokenOptions = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const physician = staffFor('physician');
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: audience,
      sub: physician.subject,
      iat: now,
      exp: now + 300,
      roles: physician.roles,
      client_id: DEFAULT_CLIENT_ID,
      jti: randomUUID(),
      ...opts.claims,
    };
    for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
    const alg = opts.alg ?? 'RS256';
    if (alg === 'none') {
      const part = (v: unknown) => base64url.encode(JSON.stringify(v));
      return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
    }
    // SignJWT sets iat/exp only through its setters; passing them as claims keeps them exact.
    const jwt = new SignJWT(claims).setProtectedHeader({ alg, kid: opts.kid ?? kid, typ: 'at+jwt' });
    const key: CryptoKey | Uint8Array =
      alg === 'HS256'
        ? new TextEncoder().encode(publicPem)
        : opts.foreignKey
          ? foreign.privateKey
          : privateKey;
    return jwt.sign(key);
  };

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    kid,
    hits,
    sign,
    tokenFor: (role, claims) => {
      const member = staffFor(role);
      return sign({
        claims: { sub: member.subject, roles: member.roles, pharmacy: member.pharmacyId, ...claims },
      });
    },
    identity: (overrides = {}) => ({
      issuer,
      audience,
      audienceClaim: 'aud',
      rolesClaim: 'roles',
      pharmacyClaim: 'pharmacy',
      algorithms: ['RS256', 'PS256', 'ES256'],
      clientId: DEFAULT_CLIENT_ID,
      idpPort: 0,
      stateDir: '/nonexistent',
      accessTokenSeconds: 300,
      sessionIdleSeconds: 900,
      sessionMaxSeconds: 3600,
      ...overrides,
    }),
    setDown: (value) => {
      down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
