import { z } from 'zod';
import { ConfigError, configErrorOf, loadMessagingConfig, type MessagingConfig } from '@app/crypto-messaging';
import { IdentityConfigError, loadIdentityConfig, type IdentityConfig } from '@app/identity';
import { appLoginOf, readSecret, secretsDirOf } from '@app/local-stack';

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
    databaseUrl = embeddedDatabaseUrl(messaging.postgresPort, app, messaging.stateDir);
  }
  return {
    app,
    port: e.PORT ?? DEFAULT_PORTS[app],
    host: e.HOST,
    databaseUrl,
    logFormat: e.LOG_FORMAT ?? (messaging.profile === 'aws' ? 'json' : 'pretty'),
    messaging,
    identity: identityOf(env, messaging),
  };
}

function identityOf(env: NodeJS.ProcessEnv, messaging: MessagingConfig): IdentityConfig {
  try {
    return loadIdentityConfig(env, messaging);
  } catch (error) {
    throw error instanceof IdentityConfigError ? new ConfigError(error.message) : error;
  }
}

/**
 * An app's URL on the embedded PostgreSQL: its own login (`<app>_app`, never the administrator)
 * with the password generated into `<stateDir>/secrets` by `migrate` (which `npm start` runs).
 */
export function embeddedDatabaseUrl(port: number, app: string, stateDir: string): string {
  const login = appLoginOf(app);
  let secret: ReturnType<typeof readSecret>;
  try {
    secret = readSecret(secretsDirOf(stateDir), login);
  } catch (error) {
    throw new ConfigError(`The ${app} app's database password cannot be read: ${(error as Error).message}`);
  }
  if (!secret) {
    throw new ConfigError(
      `The ${app} app's database login "${login}" has no password in ${secretsDirOf(stateDir)} (CLINIC_STATE_DIR). ` +
        'Run "npm run clinic -- migrate" (or "npm start", which runs it) to create the login and its password, or set DATABASE_URL.',
    );
  }
  return `postgres://${login}:${encodeURIComponent(secret.value)}@127.0.0.1:${port}/${app}`;
}
