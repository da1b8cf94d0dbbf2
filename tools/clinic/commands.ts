import {
  MessagingError,
  MessagingErrorCode,
  MessagingRuntime,
  provisionTopology,
  renderDoctorReport,
  renderProvisionReport,
  renderProvisionRow,
  runDoctor,
  type MessagingConfig,
  type ProvisionReport,
} from '@app/crypto-messaging';
import { loadIdentityConfig } from '@app/identity';
import { startLocalStack, type LocalStack } from '@app/local-stack';
import { embeddedDatabaseUrl, runMigrations, type ClinicApp } from '@app/platform';
import { APPS } from './app-registry';

/** Where a command writes for people. Injected so tests can capture it. */
export interface Output {
  line(text: string): void;
}

/** The databases of the embedded PostgreSQL: each app owns one. */
export const APP_DATABASES = ['emr', 'billing', 'scheduling', 'prescription'];

/** `provision`: create or verify every resource of the topology, with live progress. */
export async function provision(config: MessagingConfig, out: Output): Promise<ProvisionReport> {
  const runtime = MessagingRuntime.create(config, 'provisioner');
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
export async function doctor(config: MessagingConfig, out: Output, onlyProblems = false): Promise<boolean> {
  const runtime = MessagingRuntime.create(config, 'doctor');
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
    }).catch((error: unknown) => {
      throw explainUnreachable(error, config);
    });
    out.line(renderDoctorReport(report, { onlyProblems }));
    return report.ok;
  } finally {
    runtime.close();
  }
}

/** `stack`: start the embedded stack and provision it; returns the running stack. */
export async function startEmbeddedStack(config: MessagingConfig, out: Output): Promise<LocalStack> {
  if (config.profile !== 'embedded') {
    throw new MessagingError(
      MessagingErrorCode.Config,
      'The embedded stack runs only in the embedded profile: unset CLINIC_PROFILE (or set it to "embedded").',
    );
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
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `No broker answers on 127.0.0.1:${config.brokerPort}. Start the embedded stack first ("npm run clinic -- stack" or "npm start"), ` +
        'or set CLINIC_PROFILE=aws with AWS_ENDPOINT_URL to use another endpoint.',
      { cause: error },
    );
  }
  return error;
}

/**
 * The database an app gets when the tools run it: `CLINIC_<APP>_DATABASE_URL` if set, else its
 * database on the embedded PostgreSQL (which `npm start` runs in both profiles).
 */
export function databaseUrlOf(
  app: ClinicApp,
  config: MessagingConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env[`CLINIC_${app.toUpperCase()}_DATABASE_URL`] || embeddedDatabaseUrl(config.postgresPort, app);
}

/**
 * `migrate`: apply every app's pending migrations to its own database; with `only`, one app's,
 * to DATABASE_URL when set (a container migrating its own database before it starts).
 */
export async function migrate(
  config: MessagingConfig,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  only?: string,
): Promise<void> {
  if (only !== undefined && !APPS.some((a) => a.app === only)) {
    throw new MessagingError(
      MessagingErrorCode.Config,
      `Unknown app "${only}" for --app: one of ${APPS.map((a) => a.app).join(', ')}`,
    );
  }
  for (const { app, database } of APPS.filter((a) => only === undefined || a.app === only)) {
    const url = (only !== undefined && env.DATABASE_URL) || databaseUrlOf(app, config, env);
    const applied = await runMigrations(url, database).catch((error: unknown) => {
      throw new MessagingError(
        MessagingErrorCode.Config,
        `Migrating the ${app} database failed (${(error as Error).message}). Is PostgreSQL running ("npm run clinic -- stack"), and CLINIC_${app.toUpperCase()}_DATABASE_URL right if set?`,
        { cause: error },
      );
    });
    out.line(`  ${app.padEnd(12)} ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`);
  }
}
