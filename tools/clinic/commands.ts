import {
  MessagingError,
  MessagingErrorCode,
  provisionTopology,
  renderDoctorReport,
  renderProvisionReport,
  renderProvisionRow,
  runDoctor,
  type DoctorRenderOptions,
  type ProvisionReport,
} from '@app/crypto-messaging';
import { databaseNames } from '@app/clinic';
import { loadIdentityConfig } from '@app/identity';
import {
  ADMIN_LOGIN,
  appLoginOf,
  embeddedPostgresUrl,
  loadOrCreateSecret,
  postgresDataDirOf,
  readSecret,
  secretsDirOf,
  startLocalStack,
  type LocalStack,
} from '@app/local-stack';
import {
  AppError,
  AppErrorCode,
  embeddedDatabaseUrl,
  ensureAppLogin,
  runMigrations,
  type AppLoginReport,
  type ClinicApp,
} from '@app/platform';
import { APPS } from './app-registry';
import { CLINIC_DOCTOR_HINTS, clinicRuntime, type MessagingConfig } from '@app/clinic';

/** Where a command writes for people. Injected so tests can capture it. */
export interface Output {
  line(text: string): void;
}

/** The databases of the embedded PostgreSQL: each app owns one. */
export const APP_DATABASES = databaseNames();

/** `provision`: create or verify every resource of the topology, with live progress. */
export async function provision(config: MessagingConfig, out: Output): Promise<ProvisionReport> {
  const runtime = clinicRuntime(config, 'provisioner');
  try {
    out.line(
      `Provisioning the "${config.prefix}" topology (${config.profile} profile) at ${runtime.endpoint ?? `AWS ${config.region}`}`,
    );
    const report = await provisionTopology({
      topology: runtime.topology,
      clients: runtime.clients,
      profile: config.profile,
      endpoint: runtime.endpoint,
      principals: config.principals,
      onProgress: (row) => out.line(`  ${renderProvisionRow(row)}`),
    }).catch((error: unknown) => {
      throw explainUnreachable(error, config);
    });
    out.line('');
    out.line(renderProvisionReport(report));
    return report;
  } finally {
    runtime.close();
  }
}

/** `doctor`: check the live configuration; resolves false when any check failed. */
export async function doctor(
  config: MessagingConfig,
  out: Output,
  options: DoctorRenderOptions = {},
): Promise<boolean> {
  const runtime = clinicRuntime(config, 'doctor');
  try {
    out.line(
      `Checking the "${config.prefix}" topology (${config.profile} profile) at ${runtime.endpoint ?? `AWS ${config.region}`}`,
    );
    const report = await runDoctor({
      topology: runtime.topology,
      clients: runtime.clients,
      profile: config.profile,
      endpoint: runtime.endpoint,
      principals: config.principals,
      hints: CLINIC_DOCTOR_HINTS,
    }).catch((error: unknown) => {
      throw explainUnreachable(error, config);
    });
    out.line('');
    out.line(renderDoctorReport(report, options));
    return report.ok;
  } finally {
    runtime.close();
  }
}

/** `stack`: start the embedded stack and provision it; returns the running stack. */
export async function startEmbeddedStack(config: MessagingConfig, out: Output): Promise<LocalStack> {
  if (config.profile !== 'embedded') {
    throw new AppError(AppErrorCode.BadSettings, 'The embedded stack runs only in the embedded profile.', {
      fix: 'Unset CLINIC_PROFILE (or set it to "embedded").',
    });
  }
  const stack = await startLocalStack(config, {
    databases: APP_DATABASES,
    onProgress: (line) => out.line(`  ${line}`),
    identity: loadIdentityConfig(process.env, config),
  });
  try {
    await provision(config, out);
    out.line("Migrating the apps' databases");
    await migrate(config, out);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

function explainUnreachable(error: unknown, config: MessagingConfig): unknown {
  const text = error instanceof Error ? `${error.name} ${error.message}` : '';
  if (config.profile === 'embedded' && /ECONNREFUSED|connect/i.test(text)) {
    // Its fix is the clinic's own for an unreachable embedded broker (libs/clinic/src/error-fixes.ts).
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `No broker answers on 127.0.0.1:${config.brokerPort}.`,
      { cause: error, fix: 'start the embedded stack first' },
    );
  }
  return error;
}

/**
 * The database an app gets when the tools run it: `CLINIC_<APP>_DATABASE_URL` if set, else its
 * database on the embedded PostgreSQL (which `npm start` runs in both profiles) through the
 * app's own login, whose password `migrate` generated.
 */
export function databaseUrlOf(
  app: ClinicApp,
  config: MessagingConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return (
    env[`CLINIC_${app.toUpperCase()}_DATABASE_URL`] ||
    embeddedDatabaseUrl(config.postgresPort, app, config.stateDir)
  );
}

/** The embedded PostgreSQL's administrator URL of a database (migrations, never the apps). */
export function embeddedAdminUrlOf(config: MessagingConfig, database: string): string {
  const secretsDir = secretsDirOf(config.stateDir);
  const admin = readSecret(secretsDir, ADMIN_LOGIN);
  if (!admin) {
    throw new AppError(
      AppErrorCode.DatabaseUnavailable,
      `No PostgreSQL administrator password in ${secretsDir} (CLINIC_STATE_DIR): the embedded PostgreSQL makes it on its first start.`,
      { fix: 'Start it with "npm run clinic -- stack" or "npm start".' },
    );
  }
  return embeddedPostgresUrl({ user: ADMIN_LOGIN, password: admin.value }, database, {
    port: config.postgresPort,
    dataDir: postgresDataDirOf(config.stateDir),
  });
}

/** Where one app's migration runs, and which login it then makes the app's own (if any). */
interface MigrationTarget {
  readonly url: string;
  readonly login?: { user: string; password?: string };
  /** Why no login is made (said to the user). */
  readonly noLogin?: string;
}

/**
 * `migrate --app X` in a container (aws profile): DATABASE_URL is the master login's URL of the
 * app's database; CLINIC_APP_DB_USER + CLINIC_APP_DB_PASSWORD, when set, name the app's own
 * login, created or updated with its rights. Embedded: the administrator migrates and the app's
 * login gets its generated password. CLINIC_<APP>_DATABASE_URL: migrated as given.
 */
function migrationTargetOf(
  app: ClinicApp,
  config: MessagingConfig,
  env: NodeJS.ProcessEnv,
  only: boolean,
): MigrationTarget {
  const user = env.CLINIC_APP_DB_USER;
  const password = env.CLINIC_APP_DB_PASSWORD;
  if (only && env.DATABASE_URL) {
    if (!user !== !password) {
      throw new AppError(
        AppErrorCode.BadSettings,
        `Set both CLINIC_APP_DB_USER and CLINIC_APP_DB_PASSWORD (the ${app} app's own login), or neither; ${user ? 'CLINIC_APP_DB_PASSWORD' : 'CLINIC_APP_DB_USER'} is missing.`,
      );
    }
    if (password !== undefined && !/^[\x21-\x7e]{16,}$/.test(password)) {
      throw new AppError(
        AppErrorCode.BadSettings,
        'CLINIC_APP_DB_PASSWORD must be at least 16 printable ASCII characters without spaces (e.g. a Secrets Manager generated password).',
      );
    }
    return user
      ? { url: env.DATABASE_URL, login: { user, password } }
      : {
          url: env.DATABASE_URL,
          noLogin: 'CLINIC_APP_DB_USER unset: the app connects with DATABASE_URL as given',
        };
  }
  const override = env[`CLINIC_${app.toUpperCase()}_DATABASE_URL`];
  if (override) return { url: override, noLogin: `CLINIC_${app.toUpperCase()}_DATABASE_URL set` };
  const login = appLoginOf(app);
  return {
    url: embeddedAdminUrlOf(config, app),
    login: { user: login, password: loadOrCreateSecret(secretsDirOf(config.stateDir), login).value },
  };
}

/**
 * `migrate`: apply every app's pending migrations to its own database, then bring the app's own
 * login up to date with the tables (ensureAppLogin); with `only`, one app's, to DATABASE_URL
 * when set (a container migrating its own database before it starts).
 */
export async function migrate(
  config: MessagingConfig,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  only?: string,
): Promise<void> {
  if (only !== undefined && !APPS.some((a) => a.app === only)) {
    throw new AppError(
      AppErrorCode.BadSettings,
      `Unknown app "${only}" for --app: one of ${APPS.map((a) => a.app).join(', ')}`,
    );
  }
  for (const { app, database } of APPS.filter((a) => only === undefined || a.app === only)) {
    const target = migrationTargetOf(app, config, env, only !== undefined);
    const applied = await runMigrations(target.url, database).catch((error: unknown) => {
      throw new AppError(
        AppErrorCode.MigrationFailed,
        `Migrating the ${app} database failed (${(error as Error).message}).`,
        {
          cause: error,
          fix: `Is PostgreSQL running ("npm run clinic -- stack"), and CLINIC_${app.toUpperCase()}_DATABASE_URL right if set?`,
        },
      );
    });
    let login: AppLoginReport | undefined;
    if (target.login) {
      const wanted = target.login;
      login = await ensureAppLogin(target.url, wanted).catch((error: unknown) => {
        throw new AppError(
          AppErrorCode.MigrationFailed,
          `Making "${wanted.user}" the ${app} app's own database login failed: ${(error as Error).message}`,
          { cause: error },
        );
      });
    }
    out.line(
      `  ${app.padEnd(12)} ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}; ` +
        (login
          ? `login ${login.user}${login.created ? ' created' : ''}` +
            (login.appendOnly.length ? ` (append-only: ${login.appendOnly.join(', ')})` : '')
          : `no app login (${target.noLogin})`),
    );
    if (login && login.alsoReaches.length > 0) {
      out.line(
        `  ${''.padEnd(12)} warning: ${login.user} can also connect to ${login.alsoReaches.join(', ')} (REVOKE CONNECT ON DATABASE ... FROM PUBLIC there)`,
      );
    }
  }
}
