import * as path from 'node:path';
import { z } from 'zod';
import { CLINIC_SCREEN } from '@app/clinic';

/** How apps trust access tokens, and how the embedded provider issues them. */
export interface IdentityConfig {
  /** The OIDC issuer apps trust (`iss`); its discovery document names the JWKS. */
  readonly issuer: string;
  /** The API audience every app requires. */
  readonly audience: string;
  /** Where the audience sits: `aud` (standard) or `client_id` (Cognito access tokens have no `aud`). */
  readonly audienceClaim: 'aud' | 'client_id';
  /** Claim holding the roles: `roles` (embedded provider) or `cognito:groups`. */
  readonly rolesClaim: string;
  /** Claim holding a pharmacist's pharmacy id. */
  readonly pharmacyClaim: string;
  /** Signature algorithms accepted; never `none`, never HMAC. */
  readonly algorithms: readonly string[];
  /** JWKS URL when set explicitly; otherwise taken from the issuer's discovery document. */
  readonly jwksUrl?: string;
  /** The OAuth client people sign in with (CLI and browser): public, PKCE. */
  readonly clientId: string;
  /** Embedded profile: the provider's port on 127.0.0.1 (`CLINIC_IDP_PORT`). */
  readonly idpPort: number;
  /** Embedded profile: the provider's keys, staff passwords and sessions live here (owner-only). */
  readonly stateDir: string;
  /** Access token lifetime, seconds: at most 15 minutes, and never longer than the idle time. */
  readonly accessTokenSeconds: number;
  /** A session unused this long ends (automatic logoff), seconds. */
  readonly sessionIdleSeconds: number;
  /** A session ends this long after sign-in, used or not, seconds. */
  readonly sessionMaxSeconds: number;
}

export const DEFAULT_IDP_PORT = 3004;
/** The clinic screen's default port (`CLINIC_WEB_PORT`): the provider registers its redirect there. */
export const DEFAULT_WEB_PORT = CLINIC_SCREEN.port.default;
export const DEFAULT_AUDIENCE = 'clinic-api';
export const DEFAULT_CLIENT_ID = 'clinic-cli';
const FIFTEEN_MINUTES = 900;

const seconds = (name: string, fallback: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int(`${name} must be a whole number of seconds`)
    .min(1, `${name} must be at least 1`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);

const schema = z.object({
  CLINIC_IDP_PORT: z.coerce
    .number({ error: 'CLINIC_IDP_PORT must be a TCP port number' })
    .int()
    .min(1, 'CLINIC_IDP_PORT must be between 1 and 65535')
    .max(65535, 'CLINIC_IDP_PORT must be between 1 and 65535')
    .default(DEFAULT_IDP_PORT),
  CLINIC_OIDC_ISSUER: z
    .url({
      error:
        'CLINIC_OIDC_ISSUER must be the issuer URL, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC',
    })
    .optional(),
  CLINIC_OIDC_AUDIENCE: z.string().min(1).max(200).default(DEFAULT_AUDIENCE),
  CLINIC_OIDC_AUDIENCE_CLAIM: z
    .enum(['aud', 'client_id'], {
      error: 'CLINIC_OIDC_AUDIENCE_CLAIM must be "aud" or "client_id" (Cognito)',
    })
    .default('aud'),
  CLINIC_OIDC_ROLES_CLAIM: z.string().min(1).max(100).default('roles'),
  CLINIC_OIDC_PHARMACY_CLAIM: z.string().min(1).max(100).default('pharmacy'),
  CLINIC_OIDC_ALGORITHMS: z
    .string()
    .default('RS256,PS256,ES256')
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine((algs) => algs.length > 0 && algs.every((a) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$/.test(a)), {
      message:
        'CLINIC_OIDC_ALGORITHMS must list asymmetric algorithms such as RS256,ES256 (never none or HS256)',
    }),
  CLINIC_OIDC_JWKS_URL: z.url({ error: 'CLINIC_OIDC_JWKS_URL must be a URL' }).optional(),
  CLINIC_OIDC_CLIENT_ID: z.string().min(1).max(200).default(DEFAULT_CLIENT_ID),
  CLINIC_ACCESS_TOKEN_SECONDS: seconds('CLINIC_ACCESS_TOKEN_SECONDS', FIFTEEN_MINUTES, FIFTEEN_MINUTES),
  CLINIC_SESSION_IDLE_SECONDS: seconds('CLINIC_SESSION_IDLE_SECONDS', FIFTEEN_MINUTES, 24 * 3600),
  CLINIC_SESSION_MAX_SECONDS: seconds('CLINIC_SESSION_MAX_SECONDS', 12 * 3600, 7 * 24 * 3600),
});

/** Thrown for a setting that cannot work; the message names the variable and the fix. */
export class IdentityConfigError extends Error {
  override name = 'IdentityConfigError';
}

/**
 * Reads the identity settings. Embedded profile: the issuer defaults to the embedded provider on
 * `http://127.0.0.1:<CLINIC_IDP_PORT>`. aws profile: `CLINIC_OIDC_ISSUER` is required.
 */
export function loadIdentityConfig(
  env: NodeJS.ProcessEnv,
  context: { profile: 'embedded' | 'aws'; stateDir: string },
): IdentityConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${String(i.path[0])}: ${i.message}`);
    throw new IdentityConfigError(`Invalid identity configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (!e.CLINIC_OIDC_ISSUER && context.profile === 'aws') {
    throw new IdentityConfigError(
      'CLINIC_OIDC_ISSUER is required in the aws profile: the OpenID Connect issuer people sign in with ' +
        '(the Cognito user pool, https://cognito-idp.<region>.amazonaws.com/<pool id>, or the embedded ' +
        'provider http://127.0.0.1:3004 when testing against moto).',
    );
  }
  if (e.CLINIC_SESSION_MAX_SECONDS < e.CLINIC_SESSION_IDLE_SECONDS) {
    throw new IdentityConfigError(
      `CLINIC_SESSION_MAX_SECONDS (${e.CLINIC_SESSION_MAX_SECONDS}) must not be shorter than CLINIC_SESSION_IDLE_SECONDS (${e.CLINIC_SESSION_IDLE_SECONDS}).`,
    );
  }
  return {
    issuer: (e.CLINIC_OIDC_ISSUER ?? `http://127.0.0.1:${e.CLINIC_IDP_PORT}`).replace(/\/$/, ''),
    audience: e.CLINIC_OIDC_AUDIENCE,
    audienceClaim: e.CLINIC_OIDC_AUDIENCE_CLAIM,
    rolesClaim: e.CLINIC_OIDC_ROLES_CLAIM,
    pharmacyClaim: e.CLINIC_OIDC_PHARMACY_CLAIM,
    algorithms: e.CLINIC_OIDC_ALGORITHMS,
    jwksUrl: e.CLINIC_OIDC_JWKS_URL,
    clientId: e.CLINIC_OIDC_CLIENT_ID,
    idpPort: e.CLINIC_IDP_PORT,
    stateDir: path.join(context.stateDir, 'identity'),
    accessTokenSeconds: Math.min(e.CLINIC_ACCESS_TOKEN_SECONDS, e.CLINIC_SESSION_IDLE_SECONDS),
    sessionIdleSeconds: e.CLINIC_SESSION_IDLE_SECONDS,
    sessionMaxSeconds: e.CLINIC_SESSION_MAX_SECONDS,
  };
}
