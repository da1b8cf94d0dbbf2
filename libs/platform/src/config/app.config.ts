import { z } from 'zod';
import { ConfigError, configErrorOf } from '@app/crypto-messaging';
import { IdentityConfigError, loadIdentityConfig, type IdentityConfig } from '@app/identity';
import {
  appLoginOf,
  embeddedPostgresUrl,
  postgresDataDirOf,
  readSecret,
  secretsDirOf,
} from '@app/local-stack';
import { appNamed, loadMessagingConfig, type ClinicApp, type MessagingConfig } from '@app/clinic';
import { CLINIC_CONSUMER_TUNING } from '../consumer-tuning';
import { DB_POOL_MAX } from '../database/data-source.factory';

export type { ClinicApp } from '@app/clinic';

/** The port of an app: its CLINIC_<APP>_PORT, else its default (EMR 3000 ... Prescription 3003). */
export function appPortOf(app: ClinicApp, env: NodeJS.ProcessEnv = process.env): number {
  const { port } = appNamed(app);
  return portSettingOf(port.variable, port.default, env);
}

/** A port setting (`CLINIC_WEB_PORT` ...): its value, or the default when unset. */
export function portSettingOf(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name} must be a TCP port number, got "${value}"`);
  return port;
}

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
   * client address from the last X-Forwarded-For hop (the one that proxy appended). Otherwise the socket's peer, which a client cannot forge.
   */
  readonly trustProxy: boolean;
  /** What the HTTP edge lets in: hosts, origins, rates, API docs. */
  readonly edge: EdgeConfig;
  /**
   * Connections the app's database pool may open (`CLINIC_<APP>_DATABASE_POOL_SIZE`);
   * `undefined`: the app's default (`DB_POOL_MAX`: 10 for the EMR, 30 for a consumer).
   */
  readonly databasePoolSize: number | undefined;
}

/** The fewest connections an app's pool may be given, and the most. */
export const DATABASE_POOL_SIZE_RANGE = { min: 3, max: 100 } as const;

/** The setting of an app's pool size: `CLINIC_EMR_DATABASE_POOL_SIZE` ... */
export function databasePoolSizeVariable(app: ClinicApp): string {
  return `CLINIC_${app.toUpperCase()}_DATABASE_POOL_SIZE`;
}

/**
 * The app's pool size setting, checked; `undefined` when unset or empty. Per app, since
 * `npm start` hands one environment to all four. At least 3: the EMR's outbox relay (up to 7 s
 * a batch) may hold one while requests use the others. (The audit trail's group commit has a
 * connection of its own, beside the pool: `database/dedicated-connection.ts`.)
 * A consumer needs more than the messages it handles at once, each in a transaction on a
 * connection of its own: a message that waits 3 s for one fails, and each failure spends one of
 * the queue's receives on the way to the dead-letter queue. At most 100 per process; the sum over
 * the apps (with the EMR's LISTEN connection and each app's audit connection) must fit the server's `max_connections` (200 on the
 * embedded server; on RDS it depends on the instance's memory).
 */
export function databasePoolSizeOf(app: ClinicApp, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const name = databasePoolSizeVariable(app);
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const { min, max } = DATABASE_POOL_SIZE_RANGE;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(size >= min && size <= max)) {
    throw new ConfigError(
      `${name} must be a whole number of connections from ${min} to ${max}, got "${raw.slice(0, 12)}"`,
      `Set ${name} between ${min} and ${max}, or unset it for the ${app} app's default.`,
    );
  }
  const inFlight = CLINIC_CONSUMER_TUNING.concurrency ?? 10;
  if (appNamed(app).messaging.role === 'consumer' && size <= inFlight) {
    throw new ConfigError(
      `${name} is ${size}, but the ${app} app handles ${inFlight} messages at once, each with a database connection of its own.`,
      `Set ${name} to at least ${inFlight + 1}, or unset it (${DB_POOL_MAX.messages}).`,
    );
  }
  return size;
}

/** The HTTP edge's settings (see libs/platform/src/http/edge.ts). */
export interface EdgeConfig {
  /**
   * `Host` values answered besides the loopback names of the app's own port
   * (`CLINIC_ALLOWED_HOSTS`, lower case, `name:port`). Refusing other names defeats DNS rebinding.
   */
  readonly allowedHosts: readonly string[];
  /** Browser origins allowed to call the API (`CLINIC_ALLOWED_ORIGINS`): the web app's. */
  readonly allowedOrigins: readonly string[];
  /** Requests per minute per person (or client address before sign-in) for GET/HEAD. */
  readonly readsPerMinute: number;
  /** Requests per minute per person (or client address) for POST/PUT/PATCH/DELETE. */
  readonly writesPerMinute: number;
  /** Serve the OpenAPI UI and document at `/docs` (`CLINIC_API_DOCS=on`). */
  readonly apiDocs: boolean;
}

/** The web app's origins (`npm start` serves it on 8080). */
export const DEFAULT_ALLOWED_ORIGINS = ['http://127.0.0.1:8080', 'http://localhost:8080'];
export const DEFAULT_READS_PER_MINUTE = 300;
export const DEFAULT_WRITES_PER_MINUTE = 60;

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?):[0-9]{1,5}$/;
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)(:[0-9]{1,5})?$/;
const perMinute = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a number of requests per minute` })
    .int(`${name} must be a whole number of requests per minute`)
    .min(1, `${name} must be at least 1`)
    .max(1_000_000, `${name} must be at most 1000000`)
    .default(fallback);

const edgeSchema = z.object({
  CLINIC_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : list(v)))
    .refine((hosts) => hosts === undefined || hosts.every((h) => HOST_PORT.test(h)), {
      message:
        'CLINIC_ALLOWED_HOSTS must list host:port pairs separated by commas, e.g. clinic.example.org:443,10.0.0.5:3000',
    }),
  CLINIC_ALLOWED_ORIGINS: z
    .string()
    .default(DEFAULT_ALLOWED_ORIGINS.join(','))
    .transform(list)
    .refine((origins) => origins.every((o) => ORIGIN.test(o)), {
      message:
        'CLINIC_ALLOWED_ORIGINS must list origins (scheme://host[:port], no path) separated by commas, e.g. http://127.0.0.1:8080',
    }),
  CLINIC_RATE_LIMIT_READS: perMinute('CLINIC_RATE_LIMIT_READS', DEFAULT_READS_PER_MINUTE),
  CLINIC_RATE_LIMIT_WRITES: perMinute('CLINIC_RATE_LIMIT_WRITES', DEFAULT_WRITES_PER_MINUTE),
  CLINIC_API_DOCS: z.enum(['on', 'off'], { error: 'CLINIC_API_DOCS must be "on" or "off"' }).default('off'),
});

/** Hosts that mean "every interface": the operator must then say which names the app answers to. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** Reads the HTTP edge's settings; errors name the variable. */
export function loadEdgeConfig(app: ClinicApp, host: string, env: NodeJS.ProcessEnv): EdgeConfig {
  const parsed = edgeSchema.safeParse(env);
  if (!parsed.success) throw configErrorOf(`Invalid configuration of the ${app} app`, parsed.error);
  const e = parsed.data;
  if (WILDCARD_HOSTS.has(host) && !e.CLINIC_ALLOWED_HOSTS) {
    throw new ConfigError(
      `CLINIC_ALLOWED_HOSTS is required when HOST is ${host} (the ${app} app listens on every interface): ` +
        'list the host:port names clients reach it by, e.g. CLINIC_ALLOWED_HOSTS=clinic.example.org:443,10.0.0.5:3000. ' +
        'Requests with any other Host header are refused (DNS rebinding).',
    );
  }
  return {
    allowedHosts: e.CLINIC_ALLOWED_HOSTS ?? [],
    allowedOrigins: e.CLINIC_ALLOWED_ORIGINS,
    readsPerMinute: e.CLINIC_RATE_LIMIT_READS,
    writesPerMinute: e.CLINIC_RATE_LIMIT_WRITES,
    apiDocs: e.CLINIC_API_DOCS === 'on',
  };
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
    databaseUrl = embeddedDatabaseUrl(messaging.postgresPort, app, messaging.stateDir);
  }
  return {
    app,
    port: e.PORT ?? appNamed(app).port.default,
    host: e.HOST,
    databaseUrl,
    logFormat: e.LOG_FORMAT ?? (messaging.profile === 'aws' ? 'json' : 'pretty'),
    messaging,
    identity: identityOf(env, messaging),
    trustProxy: e.CLINIC_TRUST_PROXY === 'true' || e.CLINIC_TRUST_PROXY === '1',
    edge: loadEdgeConfig(app, e.HOST, env),
    databasePoolSize: databasePoolSizeOf(app, env),
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
  return embeddedPostgresUrl({ user: login, password: secret.value }, app, {
    port,
    dataDir: postgresDataDirOf(stateDir),
  });
}
