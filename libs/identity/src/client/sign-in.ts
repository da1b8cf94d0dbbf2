import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { principalOf, type ClaimNames } from '../principal';
import type { Role } from '../roles';

/** Why a sign-in, a refresh or a sign-out did not work; the message says what to do. */
export enum SignInErrorCode {
  /** Wrong username or password (which one is never said). */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** Too many failed sign-ins: wait `retryAfterSeconds`. */
  Throttled = 'THROTTLED',
  /** The session ended (idle, absolute lifetime, signed out): sign in again. */
  SessionEnded = 'SESSION_ENDED',
  /** No redirect came back in time (browser sign-in). */
  TimedOut = 'TIMED_OUT',
  /** The provider answered something this client does not understand, or is unreachable. */
  Provider = 'PROVIDER',
}

export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly code: SignInErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What a signed-in session keeps (the CLI writes it to `<state>/sessions/<username>.json`, 0600). */
export interface StoredSession {
  readonly issuer: string;
  readonly clientId: string;
  readonly username?: string;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Access token expiry, epoch milliseconds. */
  expiresAt: number;
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly pharmacyId?: string;
  /** The provider's session cookies (embedded sign-in only), so sign-out can end that session too. */
  cookies?: Record<string, string>;
}

/** A signed-in member of staff, as a client holds them. */
export interface StaffSession {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Access token expiry, epoch milliseconds. */
  readonly expiresAt: number;
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly pharmacyId?: string;
  /** An access token with at least a minute left, refreshing (and rotating) when needed. */
  freshAccessToken(): Promise<string>;
  /** Revokes the refresh token (and with it the grant) and ends the provider's session. */
  signOut(): Promise<void>;
  /** What to store to resume the session in another process. */
  stored(): StoredSession;
}

export interface SignInOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** Where roles and the pharmacy sit in the access token (defaults: `roles`, `pharmacy`). */
  readonly claims?: ClaimNames;
  /** Called with the new state after every refresh (rotation): store it. */
  readonly onChange?: (stored: StoredSession) => void;
}

const SCOPE = 'openid profile offline_access';
const REFRESH_MARGIN_MS = 60_000;
const MAX_REDIRECTS = 10;
const REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_CLAIMS: ClaimNames = { roles: 'roles', pharmacy: 'pharmacy' };

async function discover(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  // Plain http only for the embedded provider on loopback; anything else must be https.
  const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), {
      execute: loopback ? [oidc.allowInsecureRequests] : [],
      timeout: REQUEST_TIMEOUT_MS / 1000,
    });
  } catch (error) {
    throw new SignInError(
      SignInErrorCode.Provider,
      `The identity provider ${issuer} did not answer its discovery document (${(error as Error).message}). ` +
        'Is the clinic running ("npm start"), and is CLINIC_OIDC_ISSUER right?',
    );
  }
}

/** A loopback listener that catches one authorization redirect (RFC 8252 7.3). */
async function loopbackRedirect(
  port = 0,
  host: '127.0.0.1' | 'localhost' = '127.0.0.1',
): Promise<{
  redirectUri: string;
  received: Promise<URL>;
  close: () => void;
}> {
  let resolve!: (url: URL) => void;
  const received = new Promise<URL>((r) => (resolve = r));
  const server: Server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('Signed in. You can close this window and return to the terminal.\n');
    resolve(url);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ port, host: '127.0.0.1' }, () => ok());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    // Always listening on 127.0.0.1; the name in the redirect URI is what the provider has
    // registered (Cognito accepts plain http only for `localhost`).
    redirectUri: `http://${host}:${actual}/callback`,
    received,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A minimal cookie jar for one host (the embedded provider): name -> value. */
class CookieJar {
  constructor(readonly cookies: Record<string, string> = {}) {}

  header(): string {
    return Object.entries(this.cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=.*1970/i.test(a));
      if (expired || value === '') delete this.cookies[name];
      else this.cookies[name] = value;
    }
  }
}

/** Acts as the user agent: one request, cookies in and out, no automatic redirects. */
async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  jar.take(response);
  return response;
}

function formAction(html: string, base: string, id?: string): string {
  const pattern = id
    ? new RegExp(`<form[^>]*id="${id}"[^>]*action="([^"]+)"|<form[^>]*action="([^"]+)"[^>]*id="${id}"`)
    : /<form[^>]*action="([^"]+)"/;
  const match = pattern.exec(html);
  const action = match?.[1] ?? match?.[2];
  if (!action) throw new SignInError(SignInErrorCode.Provider, 'The identity provider sent no sign-in form.');
  return new URL(action.replace(/&amp;/g, '&'), base).href;
}

/** An authorization request with PKCE (S256) and state, for a loopback redirect. */
async function authorization(config: oidc.Configuration, redirectUri: string, promptConsent: boolean) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(promptConsent ? { prompt: 'consent' } : {}),
  });
  return { authorize, verifier, state };
}

/**
 * Signs a member of staff in with authorization code + PKCE (S256) through a loopback redirect,
 * acting as the user agent on the embedded provider's own sign-in form: GET the authorization
 * URL, POST the form, follow the redirects with the provider's cookies, catch the code on
 * 127.0.0.1, exchange it. No password grant: the password goes to the provider's form only.
 */
export async function signIn(options: SignInOptions): Promise<StaffSession> {
  const config = await discover(options.issuer, options.clientId);
  const loopback = await loopbackRedirect();
  try {
    // oidc-provider issues a refresh token (offline_access) only when consent is prompted for;
    // the provider grants its first-party clients without showing a page.
    const { authorize, verifier, state } = await authorization(config, loopback.redirectUri, true);
    const jar = new CookieJar();
    let url = authorize.href;
    let response = await browse(jar, url);
    let submitted = false;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      if (response.status >= 300 && response.status < 400) {
        url = new URL(response.headers.get('location') ?? '', url).href;
        if (url.startsWith(loopback.redirectUri)) {
          await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then((r) => r.text());
          break;
        }
        response = await browse(jar, url);
        continue;
      }
      const html = await response.text();
      if (response.status === 429) {
        const wait = Number(response.headers.get('retry-after') ?? '60');
        throw new SignInError(
          SignInErrorCode.Throttled,
          `Too many failed sign-ins: wait ${wait} s, then try again.`,
          wait,
        );
      }
      if (response.status === 401 || (submitted && response.status === 200)) {
        throw new SignInError(SignInErrorCode.InvalidCredentials, 'The username or password is not correct.');
      }
      if (response.status !== 200 || submitted) {
        throw new SignInError(
          SignInErrorCode.Provider,
          `The identity provider refused the sign-in (HTTP ${response.status}).`,
        );
      }
      const form = new URLSearchParams({ username: options.username, password: options.password });
      response = await browse(jar, formAction(html, url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      submitted = true;
    }
    const callback = await Promise.race([
      loopback.received,
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new SignInError(
                SignInErrorCode.Provider,
                'The sign-in did not come back to the loopback redirect.',
              ),
            ),
          REQUEST_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    const tokens = await exchange(config, callback, verifier, state);
    return sessionOf(
      config,
      {
        ...storedOf(options.issuer, options.clientId, tokens, options.claims ?? DEFAULT_CLAIMS),
        username: options.username,
        cookies: jar.cookies,
      },
      options.onChange,
    );
  } finally {
    loopback.close();
  }
}

async function exchange(
  config: oidc.Configuration,
  callback: URL,
  verifier: string,
  state: string,
): Promise<oidc.TokenEndpointResponse> {
  const error = callback.searchParams.get('error');
  if (error) {
    throw new SignInError(
      SignInErrorCode.Provider,
      `The identity provider refused the sign-in: ${error} (${callback.searchParams.get('error_description') ?? 'no description'}).`,
    );
  }
  try {
    return await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
  } catch (cause) {
    throw new SignInError(SignInErrorCode.Provider, `The code exchange failed: ${(cause as Error).message}`);
  }
}

function storedOf(
  issuer: string,
  clientId: string,
  tokens: oidc.TokenEndpointResponse,
  claims: ClaimNames,
): Omit<StoredSession, 'username' | 'cookies'> {
  // Read, not verified: the apps verify every token; the client only shows who signed in.
  const principal = principalOf(decodeJwt(tokens.access_token), claims);
  return {
    issuer,
    clientId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    expiresAt: Date.now() + (tokens.expires_in ?? 0) * 1000,
    subject: principal.subject,
    roles: principal.roles,
    pharmacyId: principal.pharmacyId,
  };
}

/**
 * A session from what was stored (another process signed in): refreshes and signs out against
 * the same issuer and client.
 */
export function resumeSession(
  stored: StoredSession,
  onChange?: (stored: StoredSession) => void,
): StaffSession {
  return sessionOf(undefined, { ...stored }, onChange);
}

function sessionOf(
  initial: oidc.Configuration | undefined,
  state: StoredSession,
  onChange?: (stored: StoredSession) => void,
): StaffSession {
  let config = initial;
  const configuration = async () => (config ??= await discover(state.issuer, state.clientId));
  const ended = () =>
    new SignInError(
      SignInErrorCode.SessionEnded,
      'The session has ended (idle, expired or signed out): sign in again.',
    );
  let refreshing: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    if (!state.refreshToken) throw ended();
    let tokens;
    try {
      tokens = await oidc.refreshTokenGrant(await configuration(), state.refreshToken);
    } catch (error) {
      if (error instanceof SignInError) throw error;
      if ((error as { error?: string }).error === 'invalid_grant') throw ended();
      throw new SignInError(SignInErrorCode.Provider, `The refresh failed: ${(error as Error).message}`);
    }
    state.accessToken = tokens.access_token;
    state.refreshToken = tokens.refresh_token ?? state.refreshToken;
    state.idToken = tokens.id_token ?? state.idToken;
    state.expiresAt = Date.now() + (tokens.expires_in ?? 0) * 1000;
    onChange?.({ ...state });
    return state.accessToken;
  };
  return {
    get accessToken() {
      return state.accessToken;
    },
    get refreshToken() {
      return state.refreshToken;
    },
    get expiresAt() {
      return state.expiresAt;
    },
    subject: state.subject,
    roles: state.roles,
    pharmacyId: state.pharmacyId,
    freshAccessToken() {
      if (state.expiresAt - Date.now() > REFRESH_MARGIN_MS) return Promise.resolve(state.accessToken);
      // One refresh at a time: a refresh token is good for one use (rotation), so a second
      // concurrent refresh with the same token would be refused and could end the grant.
      return (refreshing ??= refresh().finally(() => (refreshing = undefined)));
    },
    async signOut() {
      const cfg = await configuration();
      if (state.refreshToken) {
        await oidc.tokenRevocation(cfg, state.refreshToken, { token_type_hint: 'refresh_token' });
      }
      const endSession = cfg.serverMetadata().end_session_endpoint;
      if (endSession && state.cookies && state.idToken) {
        // RP-initiated logout with the provider's own confirmation form (its xsrf token).
        const jar = new CookieJar(state.cookies);
        const url = oidc.buildEndSessionUrl(cfg, { id_token_hint: state.idToken }).href;
        const page = await browse(jar, url);
        if (page.status === 200) {
          const html = await page.text();
          const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
          if (xsrf) {
            const done = await browse(jar, formAction(html, url, 'op.logoutForm'), {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
            });
            await done.text();
          }
        }
      }
      state.refreshToken = undefined;
      state.cookies = undefined;
    },
    stored: () => ({ ...state }),
  };
}

export interface BrowserSignInOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** Shown the authorization URL to open in a browser (the CLI prints it). */
  readonly onUrl: (url: string) => void;
  /** A fixed loopback port, for providers that match redirect URIs exactly (Cognito). */
  readonly redirectPort?: number;
  /** The host name in the redirect URI: `localhost` for Cognito (exact match, http only there). */
  readonly redirectHost?: '127.0.0.1' | 'localhost';
  /** How long to wait for the browser, milliseconds (default 5 minutes). */
  readonly timeoutMs?: number;
  readonly claims?: ClaimNames;
  /** Ask for a refresh token with prompt=consent (oidc-provider); Cognito issues one anyway. */
  readonly promptConsent?: boolean;
  readonly onChange?: (stored: StoredSession) => void;
}

/**
 * Sign-in in a real browser (Cognito, or the embedded provider by hand): prints the authorization
 * URL (code + PKCE), waits for the loopback redirect, exchanges the code.
 */
export async function browserSignIn(options: BrowserSignInOptions): Promise<StaffSession> {
  const config = await discover(options.issuer, options.clientId);
  const loopback = await loopbackRedirect(options.redirectPort ?? 0, options.redirectHost);
  try {
    const { authorize, verifier, state } = await authorization(
      config,
      loopback.redirectUri,
      options.promptConsent ?? false,
    );
    options.onUrl(authorize.href);
    const timeoutMs = options.timeoutMs ?? 5 * 60_000;
    const callback = await Promise.race([
      loopback.received,
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new SignInError(
                SignInErrorCode.TimedOut,
                `No sign-in came back within ${Math.round(timeoutMs / 1000)} s.`,
              ),
            ),
          timeoutMs,
        ).unref(),
      ),
    ]);
    const tokens = await exchange(config, callback, verifier, state);
    return sessionOf(
      config,
      storedOf(options.issuer, options.clientId, tokens, options.claims ?? DEFAULT_CLAIMS),
      options.onChange,
    );
  } finally {
    loopback.close();
  }
}

/** A code + PKCE authorization a server-side web client has started (keep it until the callback). */
export interface WebAuthorization {
  /** Where to send the browser. */
  readonly url: string;
  readonly verifier: string;
  readonly state: string;
}

/**
 * Starts a sign-in for a server-side web client (backend for frontend): the authorization URL
 * with PKCE (S256) and state. `prompt=login` always: the provider asks for the password even when
 * its own session cookie survives in the browser (a shared workstation after an idle sign-out).
 */
export async function startWebSignIn(options: {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** oidc-provider issues a refresh token only with prompt=consent; Cognito issues one anyway. */
  readonly promptConsent?: boolean;
}): Promise<WebAuthorization> {
  const config = await discover(options.issuer, options.clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: options.promptConsent === false ? 'login' : 'login consent',
  });
  return { url: url.href, verifier, state };
}

/** Ends a web sign-in: checks state, exchanges the code with the PKCE verifier. */
export async function finishWebSignIn(options: {
  readonly issuer: string;
  readonly clientId: string;
  /** The full callback URL the browser arrived at. */
  readonly callback: URL;
  readonly authorization: Pick<WebAuthorization, 'verifier' | 'state'>;
  readonly claims?: ClaimNames;
}): Promise<StaffSession> {
  const config = await discover(options.issuer, options.clientId);
  const tokens = await exchange(
    config,
    options.callback,
    options.authorization.verifier,
    options.authorization.state,
  );
  const state: StoredSession = storedOf(
    options.issuer,
    options.clientId,
    tokens,
    options.claims ?? DEFAULT_CLAIMS,
  );
  return sessionOf(config, state);
}
