import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type CryptoKey,
  type JWTHeaderParameters,
  type JSONWebKeySet,
  type FlattenedJWSInput,
  type JWTPayload,
} from 'jose';
import type { IdentityConfig } from './config';
import { principalOf, type Principal } from './principal';

/** Why a token was refused. Codes only: the token itself never goes into an error or a log. */
export type TokenRefusal =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'algorithm'
  | 'unknown-key'
  | 'claims'
  | 'token-use';

/** An access token that does not prove who is calling: the guard answers 401. */
export class TokenRefusedError extends Error {
  override name = 'TokenRefusedError';
  constructor(readonly reason: TokenRefusal) {
    // The reason, never the token or the library's message (which may quote claims).
    super(`access token refused: ${reason}`);
  }
}

/**
 * The issuer's keys cannot be fetched and no cached key matches the token: nobody can be
 * verified just now. The guard answers 503 with Retry-After (a 401 would sign people out for an
 * outage that is not theirs).
 */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
  constructor(
    /** What failed, naming URLs and settings only (logged by the caller, never sent to clients). */
    readonly detail: string,
    readonly retryAfterS: number = KEY_SET_RETRY_AFTER_S,
  ) {
    super(`the identity provider's signing keys are unavailable: ${detail}`);
  }
}

/** Seconds a client is told to wait when the issuer's keys are out of reach. */
export const KEY_SET_RETRY_AFTER_S = 5;
/** Clock skew tolerated between the issuer and this process, seconds. */
export const CLOCK_TOLERANCE_S = 5;
/**
 * Oldest access token accepted, seconds since `iat`, whatever its `exp` says: the clinic's
 * policy caps access tokens at 15 minutes (automatic logoff), and a provider misconfigured to
 * issue longer ones must not widen it. Also makes jose refuse an `iat` in the future.
 */
export const MAX_ACCESS_TOKEN_AGE_S = 900;
/** Longest token looked at; real access tokens are about 1 KB. Bounds work per request. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const DISCOVERY_TIMEOUT_MS = 3_000;
const DISCOVERY_ATTEMPTS = 2;
const DISCOVERY_RETRY_DELAY_MS = 250;
/** After a failed discovery, answer 503 at once for this long instead of asking again per request. */
const DISCOVERY_FAILURE_HOLD_MS = 1_000;
/** After a failed JWKS fetch, verify with the cached keys for this long before fetching again. */
const JWKS_FAILURE_HOLD_MS = 5_000;

/** Tuning for tests; production uses the defaults. */
export interface VerifierOptions {
  /** Minimum time between two JWKS refetches for an unknown `kid`, ms (jose default 30 s). */
  readonly cooldownMs?: number;
  /** How long fetched keys count as fresh, ms (jose default 10 min). */
  readonly cacheMaxAgeMs?: number;
  /** JWKS fetch timeout, ms. */
  readonly timeoutMs?: number;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies the clinic's access tokens (JWTs) against the issuer's published keys, and turns them
 * into a {@link Principal}. The JWKS URL comes from the configuration or from the issuer's
 * discovery document, fetched on first use (retried, and looked up again after a failure); keys
 * are cached by jose and refetched for an unknown `kid` (key rotation). While the JWKS cannot
 * be fetched, tokens signed with a key already cached keep verifying.
 */
export class AccessTokenVerifier {
  private remote?: RemoteSet;
  private pending?: Promise<RemoteSet>;
  private failedUntil = 0;
  private jwksRetryAt = 0;
  private lastFailure = '';

  private constructor(
    private readonly identity: IdentityConfig,
    private readonly options: VerifierOptions,
  ) {}

  static create(identity: IdentityConfig, options: VerifierOptions = {}): AccessTokenVerifier {
    if (identity.algorithms.some((a) => !/^(RS|PS|ES)(256|384|512)$|^EdDSA$/.test(a))) {
      // loadIdentityConfig already refuses these; a hand-built config must not slip past.
      throw new Error('IdentityConfig.algorithms may list only asymmetric algorithms (never none or HS*)');
    }
    return new AccessTokenVerifier(identity, options);
  }

  /** The person behind `token`, or a {@link TokenRefusedError} / {@link KeySetUnavailableError}. */
  async verify(token: string): Promise<Principal> {
    if (!token) throw new TokenRefusedError('missing');
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) throw new TokenRefusedError('malformed');
    const standard = this.identity.audienceClaim === 'aud';
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, input) => this.keyFor(header, input), {
        issuer: this.identity.issuer,
        audience: standard ? this.identity.audience : undefined,
        algorithms: [...this.identity.algorithms],
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_S,
        maxTokenAge: MAX_ACCESS_TOKEN_AGE_S,
      }));
    } catch (error) {
      throw refusalOf(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
      throw new TokenRefusedError('claims');
    }
    // An ID token or a refresh token is not an access token (Cognito and others mark them).
    if (payload.token_use !== undefined && payload.token_use !== 'access')
      throw new TokenRefusedError('token-use');
    if (!standard) {
      // Cognito access tokens carry no `aud`: the app client they were issued to is `client_id`.
      if (payload.token_use !== 'access') throw new TokenRefusedError('token-use');
      const accepted = new Set([this.identity.audience, this.identity.clientId]);
      if (typeof payload.client_id !== 'string' || !accepted.has(payload.client_id)) {
        throw new TokenRefusedError('audience');
      }
    }
    return principalOf(payload, { roles: this.identity.rolesClaim, pharmacy: this.identity.pharmacyClaim });
  }

  private async keyFor(header: JWTHeaderParameters, input: FlattenedJWSInput): Promise<CryptoKey> {
    const remote = await this.keySet();
    const cached = remote.jwks();
    // Just failed: do not make every request wait for another fetch to time out.
    if (cached && Date.now() < this.jwksRetryAt)
      return this.cachedKey(cached, header, input, this.lastFailure);
    try {
      return await remote(header, input);
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      this.lastFailure = `the JWKS did not answer (${errorName(error)})`;
      this.jwksRetryAt = Date.now() + JWKS_FAILURE_HOLD_MS;
      if (cached) return this.cachedKey(cached, header, input, this.lastFailure);
      throw new KeySetUnavailableError(this.lastFailure);
    }
  }

  /** A key from the last JWKS fetched; one it lacks may be a new key only the unreachable JWKS knows: 503, not 401. */
  private async cachedKey(
    cached: JSONWebKeySet,
    header: JWTHeaderParameters,
    input: FlattenedJWSInput,
    failure: string,
  ): Promise<CryptoKey> {
    try {
      return await createLocalJWKSet(cached)(header, input);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw new KeySetUnavailableError(failure);
      throw error;
    }
  }

  private async keySet(): Promise<RemoteSet> {
    if (this.remote) return this.remote;
    if (Date.now() < this.failedUntil) throw new KeySetUnavailableError(this.lastFailure);
    this.pending ??= this.discover()
      .then((url) => {
        this.remote = createRemoteJWKSet(url, {
          cooldownDuration: this.options.cooldownMs,
          cacheMaxAge: this.options.cacheMaxAgeMs,
          timeoutDuration: this.options.timeoutMs,
        });
        return this.remote;
      })
      .catch((error: unknown) => {
        this.lastFailure = error instanceof KeySetUnavailableError ? error.detail : errorName(error);
        this.failedUntil = Date.now() + DISCOVERY_FAILURE_HOLD_MS;
        throw error instanceof KeySetUnavailableError ? error : new KeySetUnavailableError(this.lastFailure);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** The JWKS URL: configured, or the issuer's discovery document's `jwks_uri`. */
  private async discover(): Promise<URL> {
    if (this.identity.jwksUrl) return checkedKeyUrl(this.identity.jwksUrl, 'CLINIC_OIDC_JWKS_URL');
    const where = `${this.identity.issuer}/.well-known/openid-configuration`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= DISCOVERY_ATTEMPTS; attempt++) {
      try {
        const response = await fetch(where, {
          signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
          headers: { accept: 'application/json' },
          redirect: 'error',
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
        if (document.issuer !== this.identity.issuer) {
          // OpenID Connect Discovery 1.0 §4.3: the document must name the very issuer asked for.
          throw new KeySetUnavailableError(
            `the discovery document at ${where} names another issuer; set CLINIC_OIDC_ISSUER to the issuer exactly as the provider spells it`,
            30,
          );
        }
        if (typeof document.jwks_uri !== 'string') {
          throw new KeySetUnavailableError(`the discovery document at ${where} has no jwks_uri`, 30);
        }
        return checkedKeyUrl(document.jwks_uri, `jwks_uri of ${where}`);
      } catch (error) {
        if (error instanceof KeySetUnavailableError) throw error;
        lastError = error;
        if (attempt < DISCOVERY_ATTEMPTS) await new Promise((r) => setTimeout(r, DISCOVERY_RETRY_DELAY_MS));
      }
    }
    throw new KeySetUnavailableError(
      `the discovery document at ${where} did not answer (${errorName(lastError)})`,
    );
  }
}

/** HTTPS, or plain HTTP on loopback only (the embedded provider): keys over the network must not be spoofable. */
function checkedKeyUrl(value: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KeySetUnavailableError(`${setting} is not a URL`, 30);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new KeySetUnavailableError(`${setting} must be an https URL (plain http only on 127.0.0.1)`, 30);
  }
  return url;
}

/** A JWKS fetch that failed (network, timeout, non-200, not a JWKS), as opposed to a bad token. */
function isFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return error.code === 'ERR_JOSE_GENERIC';
  // By name: fetch's errors may come from another realm (jest's VM), where instanceof fails.
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TypeError' || name === 'AbortError' || name === 'TimeoutError';
}

function errorName(error: unknown): string {
  if (error instanceof errors.JOSEError) return error.code;
  const e = error as { name?: unknown; cause?: { code?: unknown } } | undefined;
  const cause = typeof e?.cause?.code === 'string' ? `: ${e.cause.code}` : '';
  return (typeof e?.name === 'string' ? e.name : 'Error') + cause;
}

/** The refusal a jose error stands for. */
function refusalOf(error: unknown): Error {
  if (error instanceof KeySetUnavailableError || error instanceof TokenRefusedError) return error;
  if (error instanceof errors.JWTExpired) return new TokenRefusedError('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return new TokenRefusedError('not-yet-valid');
      case 'iat':
        return new TokenRefusedError(error.reason === 'missing' ? 'claims' : 'issued-in-future');
      case 'iss':
        return new TokenRefusedError(error.reason === 'missing' ? 'claims' : 'issuer');
      case 'aud':
        return new TokenRefusedError(error.reason === 'missing' ? 'claims' : 'audience');
      default:
        return new TokenRefusedError('claims');
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRefusedError('signature');
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRefusedError('algorithm');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRefusedError('unknown-key');
  }
  if (error instanceof errors.JOSEError || error instanceof TypeError || error instanceof SyntaxError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported, a bad base64 or JSON segment...
    return new TokenRefusedError('malformed');
  }
  return error instanceof Error ? error : new Error(String(error));
}
