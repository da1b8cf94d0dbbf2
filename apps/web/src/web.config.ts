import { z } from 'zod';
import { DEFAULT_WEB_PORT, loadIdentityConfig, type IdentityConfig } from '@app/identity';
import { CLINIC_APPS, loadMessagingConfig, type ClinicApp, type MessagingConfig } from '@app/clinic';
import { appPortOf } from '@app/platform';

/** The OAuth client the screen signs people in with (public, code + PKCE). */
export const DEFAULT_WEB_CLIENT_ID = 'clinic-web';

/** Validated settings of the web process. Only this file reads `process.env`. */
export interface WebConfig {
  readonly port: number;
  readonly host: string;
  /**
   * The origin people open (`CLINIC_WEB_ORIGIN`, default http://127.0.0.1:<port>): the OAuth
   * redirect is built from it, and a write whose Origin differs is refused.
   */
  readonly origin: string;
  readonly profile: 'embedded' | 'aws';
  /** The messaging settings of this process's environment (the doctor page checks them live). */
  readonly messaging: MessagingConfig;
  readonly identity: IdentityConfig;
  /** The OAuth client id (`CLINIC_WEB_CLIENT_ID`). */
  readonly clientId: string;
  /** Each app's API base URL: `CLINIC_<APP>_URL`, else http://127.0.0.1:`CLINIC_<APP>_PORT`. */
  readonly apis: Readonly<Record<ClinicApp, string>>;
  readonly logFormat: 'pretty' | 'json';
  /** Seconds before the idle sign-out at which the page warns (at most half the idle time). */
  readonly idleWarningSeconds: number;
}

export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a TCP port number` })
    .int(`${name} must be a TCP port number`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`);

const httpOrigin = (name: string) =>
  z
    .url({ error: `${name} must be an http(s) origin such as http://127.0.0.1:8080` })
    .refine((u) => /^https?:\/\/[^/]+$/.test(u.replace(/\/$/, '')), {
      error: `${name} must be an origin only (scheme, host and port), such as http://127.0.0.1:8080`,
    });

const schema = z.object({
  CLINIC_WEB_PORT: port('CLINIC_WEB_PORT').default(DEFAULT_WEB_PORT),
  HOST: z.string().min(1).default('127.0.0.1'),
  CLINIC_WEB_ORIGIN: httpOrigin('CLINIC_WEB_ORIGIN').optional(),
  CLINIC_WEB_CLIENT_ID: z.string().min(1).max(200).default(DEFAULT_WEB_CLIENT_ID),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
});

/** Reads and checks the web process's settings; each problem names its variable. */
export function loadWebConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${String(i.path[0])}: ${i.message}`);
    throw new WebConfigError(`Invalid web configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const messaging = loadMessagingConfig(env);
  const identity = loadIdentityConfig(env, messaging);
  const apis = {} as Record<ClinicApp, string>;
  for (const { name, urlVariable } of CLINIC_APPS) {
    const explicit = env[urlVariable];
    apis[name] = (explicit || `http://127.0.0.1:${appPortOf(name, env)}`).replace(/\/$/, '');
  }
  return {
    port: e.CLINIC_WEB_PORT,
    host: e.HOST,
    origin: (e.CLINIC_WEB_ORIGIN ?? `http://127.0.0.1:${e.CLINIC_WEB_PORT}`).replace(/\/$/, ''),
    profile: messaging.profile,
    messaging,
    identity,
    clientId: e.CLINIC_WEB_CLIENT_ID,
    apis,
    logFormat: e.LOG_FORMAT ?? (messaging.profile === 'aws' ? 'json' : 'pretty'),
    idleWarningSeconds: Math.min(60, Math.floor(identity.sessionIdleSeconds / 2)),
  };
}
