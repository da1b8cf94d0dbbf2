import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors, type KoaLikeContext, type OidcContext, type OidcToken } from 'oidc-provider';
import { DEFAULT_WEB_PORT, type IdentityConfig } from '../config';
import { STAFF, type StaffMember } from '../staff';
import {
  errorPage,
  loginPage,
  logoutPage,
  PAGE_CSP,
  signedOutPage,
  STYLESHEET,
  STYLESHEET_PATH,
} from './pages';
import type { IdentityState } from './state';
import { SignInThrottle } from './throttle';

/** The browser client (the clinic's screen), public with PKCE. */
export const WEB_CLIENT_ID = 'clinic-web';
/** The one generic answer to a failed sign-in: it never says which of the two was wrong. */
export const SIGNIN_FAILED_MESSAGE = 'The username or password is not correct.';
export const SIGNIN_THROTTLED_MESSAGE = 'Too many failed sign-ins. Wait a few minutes, then try again.';
const SIGNIN_BODY_MAX_BYTES = 4096;
const AUTHORIZATION_CODE_S = 60;
const INTERACTION_S = 10 * 60;

/** The settings of one embedded provider. */
export interface IdentityProviderOptions {
  /** `http://127.0.0.1:<port>`: the issuer, known once the server listens. */
  readonly issuer: string;
  readonly identity: Pick<
    IdentityConfig,
    'audience' | 'clientId' | 'accessTokenSeconds' | 'sessionIdleSeconds' | 'sessionMaxSeconds'
  >;
  readonly state: IdentityState;
  /** The clinic screen's port, for the browser client's redirect URIs (CLINIC_WEB_PORT). */
  readonly webPort?: number;
  readonly throttle?: SignInThrottle;
  /** Structured events: ids only (subject, client, address), never a typed value. */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * The resource indicator (RFC 8707) access tokens are issued for. oidc-provider wants an
 * absolute URI; the `aud` claim stays the configured audience ('clinic-api').
 */
export function resourceIndicatorOf(audience: string): string {
  return URL.canParse(audience) ? audience : `urn:clinic:${audience}`;
}

const now = () => Math.floor(Date.now() / 1000);
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const bySubject = new Map(STAFF.map((s) => [s.subject, s]));
const byUsername = new Map(STAFF.map((s) => [s.username, s]));

/** Constant-time password check; an unknown username costs the same as a known one. */
export function checkPassword(
  passwords: Readonly<Record<string, string>>,
  username: string,
  password: string,
): StaffMember | undefined {
  const member = byUsername.get(username);
  const expected = member ? passwords[member.username] : undefined;
  const equal = timingSafeEqual(sha256(expected ?? '\u0000unknown'), sha256(password));
  return member && expected !== undefined && equal ? member : undefined;
}

/**
 * Builds the provider (oidc-provider) and the HTTP handler that serves it together with the
 * provider's own sign-in pages. No consent page: both clients are the clinic's own.
 */
export function createIdentityProvider(options: IdentityProviderOptions): {
  provider: Provider;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
} {
  const { identity, issuer } = options;
  const log = options.log ?? (() => undefined);
  const throttle = options.throttle ?? new SignInThrottle();
  const resource = resourceIndicatorOf(identity.audience);
  const webPort = options.webPort ?? DEFAULT_WEB_PORT;
  const webOrigins = [`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`];
  const grantTypes = ['authorization_code', 'refresh_token'];

  /** Seconds left before the absolute end of the sign-in this token belongs to. */
  const absoluteLeft = (ctx: OidcContext | undefined, token: OidcToken): number => {
    const grantExp = ctx?.oidc?.entities?.Grant?.exp;
    const started = token.iiat ?? token.iat ?? now();
    const left = Math.min(
      identity.sessionMaxSeconds - (now() - started),
      grantExp ? grantExp - now() : Infinity,
    );
    return Math.max(1, left);
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: identity.clientId,
        client_name: 'clinic command line',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: grantTypes,
        response_types: ['code'],
        // RFC 8252 7.3: oidc-provider accepts any port on a loopback redirect of a native client.
        redirect_uris: ['http://127.0.0.1/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
      },
      {
        client_id: WEB_CLIENT_ID,
        client_name: 'clinic screen',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: grantTypes,
        response_types: ['code'],
        redirect_uris: webOrigins.map((o) => `${o}/callback`),
        post_logout_redirect_uris: webOrigins.map((o) => `${o}/`),
      },
    ],
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'offline_access'],
    // The display name stays in the provider; tokens carry ids and role names only.
    claims: { openid: ['sub'], profile: ['preferred_username'] },
    findAccount(_ctx: unknown, sub: string) {
      const member = bySubject.get(sub);
      if (!member) return Promise.resolve(undefined);
      return Promise.resolve({
        accountId: sub,
        claims: () => Promise.resolve({ sub, preferred_username: member.username }),
      });
    },
    extraTokenClaims(_ctx: unknown, token: OidcToken) {
      const member =
        token.kind === 'AccessToken' && token.accountId ? bySubject.get(token.accountId) : undefined;
      if (!member) return Promise.resolve(undefined);
      return Promise.resolve({
        roles: [...member.roles],
        ...(member.pharmacyId ? { pharmacy: member.pharmacyId } : {}),
        // The sign-in this token belongs to, stable across refreshes (audit entries carry it):
        // the provider's session id when it has one for the client, else a digest of the grant id
        // (never the grant id itself, a handle inside the provider).
        ...(token.sid
          ? { sid: token.sid }
          : token.grantId
            ? { sid: sha256(`sid:${token.grantId}`).subarray(0, 16).toString('base64url') }
            : {}),
      });
    },
    jwks: options.state.jwks,
    cookies: {
      keys: options.state.cookieKeys,
      // Plain http on loopback: no `secure` flag (the browser would drop the cookie), Lax.
      long: { httpOnly: true, sameSite: 'lax', path: '/' },
      short: { httpOnly: true, sameSite: 'lax', path: '/' },
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx: KoaLikeContext, form: string) {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource(ctx: KoaLikeContext) {
          ctx.type = 'html';
          ctx.body = signedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: unknown, indicator: string) {
          if (indicator !== resource) throw new errors.InvalidTarget('unknown resource indicator');
          return {
            scope: '',
            audience: identity.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: identity.accessTokenSeconds,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // Refresh tokens of public clients rotate on every use (a replayed one revokes the grant).
    rotateRefreshToken: true,
    ttl: {
      // Nothing outlives the absolute lifetime of the sign-in; refresh tokens also lapse idle.
      AccessToken: (ctx: OidcContext, token: OidcToken) =>
        Math.min(identity.accessTokenSeconds, absoluteLeft(ctx, token)),
      AuthorizationCode: AUTHORIZATION_CODE_S,
      IdToken: (ctx: OidcContext, token: OidcToken) =>
        Math.min(identity.accessTokenSeconds, absoluteLeft(ctx, token)),
      RefreshToken: (ctx: OidcContext, token: OidcToken) =>
        Math.min(identity.sessionIdleSeconds, absoluteLeft(ctx, token)),
      Grant: identity.sessionMaxSeconds,
      // The provider's own browser session (single sign-on) ends after the idle time, so an
      // idle person is asked for the password again rather than signed in silently.
      Session: Math.min(identity.sessionIdleSeconds, identity.sessionMaxSeconds),
      Interaction: Math.min(INTERACTION_S, identity.sessionMaxSeconds),
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    renderError(ctx: KoaLikeContext, out: { error: string; error_description?: string }) {
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
  });
  // Loopback, no reverse proxy: X-Forwarded-* are not to be trusted.
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', PAGE_CSP);
  });
  provider.on('grant.success', (...args: unknown[]) => {
    const ctx = args[0] as OidcContext;
    log('token.issued', { client: ctx.oidc.client?.clientId });
  });
  provider.on('grant.error', (...args: unknown[]) => {
    const [ctx, error] = args as [OidcContext, Error];
    log('token.refused', { client: ctx.oidc.client?.clientId, error: (error as { error?: string }).error });
  });

  const oidc = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean) {
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return send(
        res,
        400,
        errorPage('invalid_request', 'This sign-in has expired. Start again from the app.'),
      );
    }
    if (details.uid !== uid) return send(res, 400, errorPage('invalid_request', 'Unknown sign-in.'));
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    const clientName = clientId === WEB_CLIENT_ID ? 'the clinic screen' : 'the clinic command line';
    const action = `/interaction/${uid}/login`;
    if (details.prompt.name === 'consent') {
      // First-party clients: grant what they asked for, no consent page.
      const accountId = details.session?.accountId;
      if (!accountId) return send(res, 400, errorPage('invalid_request', 'Sign in first.'));
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details;
      if (Array.isArray(missing.missingOIDCScope)) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (Array.isArray(missing.missingOIDCClaims))
        grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
      const resourceScopes = (missing.missingResourceScopes ?? {}) as Record<string, string[]>;
      for (const [indicator, scopes] of Object.entries(resourceScopes))
        grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }
    if (!submit) return send(res, 200, loginPage({ action, clientName }));

    const form = await readForm(req);
    if (!form) return send(res, 415, errorPage('invalid_request', 'Send the sign-in form.'));
    const username = (form.get('username') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.retryAfterSeconds(username, address);
    if (wait > 0) {
      log('signin.throttled', { address, retryAfterS: wait });
      return send(res, 429, loginPage({ action, clientName, error: SIGNIN_THROTTLED_MESSAGE }), {
        'Retry-After': String(wait),
      });
    }
    const member = checkPassword(options.state.passwords, username, password);
    if (!member) {
      throttle.recordFailure(username, address);
      log('signin.failed', { address, client: clientId });
      return send(res, 401, loginPage({ action, clientName, error: SIGNIN_FAILED_MESSAGE }));
    }
    throttle.recordSuccess(username);
    log('signin.succeeded', { subject: member.subject, address, client: clientId });
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: member.subject, amr: ['pwd'] } },
      { mergeWithLastSubmission: false },
    );
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', issuer);
    } catch {
      // `GET //[` and the like: a request line no URL parser takes is the caller's mistake, and
      // must never end the process (a stopped provider's port is anyone's to take).
      return send(res, 400, errorPage('invalid_request', 'Malformed request.'));
    }
    if (url.pathname === '/health' && req.method === 'GET') {
      return send(res, 200, JSON.stringify({ status: 'ok' }), { 'Content-Type': 'application/json' });
    }
    if (url.pathname === STYLESHEET_PATH && req.method === 'GET') {
      return send(res, 200, STYLESHEET, {
        'Content-Type': 'text/css; charset=utf-8',
        'Cache-Control': 'max-age=3600',
      });
    }
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/.exec(url.pathname);
    if (match) {
      const submit = Boolean(match[2]);
      if ((submit && req.method !== 'POST') || (!submit && req.method !== 'GET')) {
        return send(res, 405, errorPage('invalid_request', 'Method not allowed.'), {
          Allow: submit ? 'POST' : 'GET',
        });
      }
      interaction(req, res, match[1], submit).catch((error: unknown) => {
        log('interaction.error', { error: error instanceof Error ? error.name : 'unknown' });
        if (!res.headersSent) send(res, 500, errorPage('server_error', 'The sign-in failed. Start again.'));
      });
      return;
    }
    oidc(req, res);
  };
  return { provider, handle };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  res.end(body);
}

/** The urlencoded sign-in form, bounded; undefined for anything else. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > SIGNIN_BODY_MAX_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
