import { z } from 'zod';
import { ConfigError, configErrorOf, loadMessagingConfig, type MessagingConfig } from '@app/crypto-messaging';
import { IdentityConfigError, loadIdentityConfig, type IdentityConfig } from '@app/identity';

/** The four apps of the clinic. */
export type ClinicApp = 'emr' | 'billing' | 'scheduling' | 'prescription';
export const CLINIC_APPS: readonly ClinicApp[] = ['emr', 'billing', 'scheduling', 'prescription'];

/** Default HTTP port of each app (`npm start` sets PORT from CLINIC_<APP>_PORT). */
export const DEFAULT_PORTS: Readonly<Record<ClinicApp, number>> = {
  emr: 3000,
  billing: 3001,
  scheduling: 3002,
  prescription: 3003,
};

/** Validated settings of one app process. Only config files read `process.env`. */
export interface AppConfig {
  readonly app: ClinicApp;
  readonly port: number;
  /** Interface to listen on: loopback by default; containers set 0.0.0.0. */
  readonly host: string;
  readonly databaseUrl: string;
  readonly logFormat: 'pretty' | 'json';
  readonly messaging: MessagingConfig;
  /** Whose access tokens the app trusts, and how roles are read from them. */
  readonly identity: IdentityConfig;
  /**
   * Behind a reverse proxy or load balancer (`CLINIC_TRUST_PROXY=true`): the audit trail takes the
   * client address from X-Forwarded-For. Otherwise the socket's peer, which a client cannot forge.
   */
  readonly trustProxy: boolean;
}

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535, 'PORT must be between 0 and 65535').optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(
      /^postgres(ql)?:\/\/.+\/[A-Za-z0-9_-]+(\?.*)?$/,
      'DATABASE_URL must look like postgres://user:password@host:5432/database',
    )
    .optional(),
  LOG_FORMAT: z.enum(['pretty', 'json'], { error: 'LOG_FORMAT must be "pretty" or "json"' }).optional(),
  CLINIC_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''], {
      error: 'CLINIC_TRUST_PROXY must be "true" (behind a proxy that sets X-Forwarded-For) or "false"',
    })
    .optional(),
});

/**
 * Reads an app's settings. In the embedded profile the database defaults to the embedded
 * PostgreSQL (database named after the app); in the aws profile DATABASE_URL is required.
 */
export function loadAppConfig(app: ClinicApp, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const messaging = loadMessagingConfig(env);
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw configErrorOf(`Invalid configuration of the ${app} app`, parsed.error);
  const e = parsed.data;
  let databaseUrl = e.DATABASE_URL;
  if (!databaseUrl) {
    if (messaging.profile === 'aws') {
      throw new ConfigError(
        `DATABASE_URL is required in the aws profile (the ${app} app's own PostgreSQL database), for example postgres://user:password@host:5432/${app}`,
      );
    }
    databaseUrl = embeddedDatabaseUrl(messaging.postgresPort, app);
  }
  return {
    app,
    port: e.PORT ?? DEFAULT_PORTS[app],
    host: e.HOST,
    databaseUrl,
    logFormat: e.LOG_FORMAT ?? (messaging.profile === 'aws' ? 'json' : 'pretty'),
    messaging,
    identity: identityOf(env, messaging),
    trustProxy: e.CLINIC_TRUST_PROXY === 'true' || e.CLINIC_TRUST_PROXY === '1',
  };
}

function identityOf(env: NodeJS.ProcessEnv, messaging: MessagingConfig): IdentityConfig {
  try {
    return loadIdentityConfig(env, messaging);
  } catch (error) {
    throw error instanceof IdentityConfigError ? new ConfigError(error.message) : error;
  }
}

/** The embedded PostgreSQL's URL for a database (loopback, local development only). */
export function embeddedDatabaseUrl(port: number, database: string): string {
  return `postgres://clinic:clinic-local-only@127.0.0.1:${port}/${database}`;
}
