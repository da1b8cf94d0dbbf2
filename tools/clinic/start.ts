import * as path from 'node:path';
import type { MessagingConfig } from '@app/crypto-messaging';
import { startLocalStack, startPostgres, type LocalStack, type EmbeddedPostgres } from '@app/local-stack';
import type { ClinicApp } from '@app/platform';
import { APPS } from './app-registry';
import { startAppProcess, type AppProcess } from './app-processes';
import { APP_DATABASES, databaseUrlOf, migrate, provision, type Output } from './commands';

/** The clinic running locally: infrastructure plus app processes. */
export interface RunningClinic {
  readonly apps: AppProcess[];
  /** Starts more apps (the demo starts the consumers after the EMR). */
  startApps(apps: readonly ClinicApp[]): Promise<AppProcess[]>;
  /** Stops the apps (they drain), then the infrastructure. */
  stop(): Promise<void>;
}

/**
 * Starts the infrastructure for the profile, provisions (embedded) and migrates, then the given
 * apps as separate processes. Embedded: broker + PostgreSQL + local key. aws: PostgreSQL only;
 * messaging is whatever AWS_ENDPOINT_URL / AWS_REGION point at, provisioned beforehand.
 */
export async function startClinic(
  config: MessagingConfig,
  out: Output,
  apps: readonly ClinicApp[],
  appLogs: 'all' | 'problems' = 'all',
): Promise<RunningClinic> {
  let stack: LocalStack | undefined;
  let postgres: EmbeddedPostgres | undefined;
  const running: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    await stack?.stop();
    await postgres?.stop();
  };
  try {
    out.line(`Starting the clinic (${config.profile} profile)`);
    if (config.profile === 'embedded') {
      stack = await startLocalStack(config, {
        databases: APP_DATABASES,
        onProgress: (l) => out.line(`  ${l}`),
      });
      await provision(config, out);
    } else {
      postgres = await startPostgres({
        dataDir: path.join(config.stateDir, 'postgres'),
        port: config.postgresPort,
        databases: APP_DATABASES,
      });
      out.line(`  PostgreSQL on 127.0.0.1:${postgres.port}`);
      out.line(
        `  messaging: ${config.endpoint ?? `AWS ${config.region}`} (run "npm run clinic -- provision" there first)`,
      );
    }
    out.line("Migrating the apps' databases");
    await migrate(config, out);
    const clinic: RunningClinic = {
      apps: running,
      async startApps(names) {
        const started: AppProcess[] = [];
        for (const name of names) {
          const registered = APPS.find((a) => a.app === name);
          if (!registered) throw new Error(`Unknown app "${name}"`);
          out.line(`Starting ${name}...`);
          const process = await startAppProcess(
            registered,
            out,
            { ...globalThis.process.env, DATABASE_URL: databaseUrlOf(name, config) },
            appLogs,
          );
          running.push(process);
          started.push(process);
        }
        return started;
      },
      stop,
    };
    await clinic.startApps(apps);
    return clinic;
  } catch (error) {
    await stop();
    throw error;
  }
}
