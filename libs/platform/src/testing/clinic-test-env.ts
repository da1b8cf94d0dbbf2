import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EncryptedPublisher } from '@app/crypto-messaging';
import { freePort, HandlerSpy, startTestStack, type TestStack } from '@app/crypto-messaging/testing';
import { startPostgres, type EmbeddedPostgres } from '@app/local-stack';
import { createClinicApp, startClinicApp, type AppBlueprint, type ClinicApplication } from '../bootstrap';
import { loadAppConfig, type AppConfig } from '../config/app.config';
import { runMigrations, type AppDatabase } from '../database/data-source.factory';
import { ensureAppLogin } from '../database/app-login';

/** An app started by the test env: its base URL and, for consumers, a spy on its transport. */
export interface AppUnderTest extends ClinicApplication {
  readonly url: string;
  readonly spy?: HandlerSpy;
  stop(): Promise<void>;
}

/** Broker (fauxqs or moto) with the topology provisioned, plus a private embedded PostgreSQL. */
export interface ClinicTestEnv {
  readonly messaging: TestStack;
  readonly postgres: EmbeddedPostgres;
  /** PostgreSQL's data folder (fault tests read its postmaster.pid to pause the server). */
  readonly postgresDataDir: string;
  /** The environment apps read (profile, endpoints, database port). */
  readonly env: Readonly<Record<string, string>>;
  /** An app's settings; its DATABASE_URL is the app's own login (never the administrator). */
  configFor(blueprint: AppBlueprint): AppConfig;
  /**
   * Migrates an app's database as the administrator, then makes the app's own login
   * (ensureAppLogin), as `npm run clinic -- migrate` does; resolves the app's database URL.
   */
  migrate(app: string, database: AppDatabase): Promise<string>;
  /** Migrates the app's database, builds it and listens on a free loopback port. */
  startApp(
    blueprint: AppBlueprint,
    database: AppDatabase,
    env?: Record<string, string>,
  ): Promise<AppUnderTest>;
  /** A publisher as the EMR would have. */
  publisher(): Promise<EncryptedPublisher>;
  stop(): Promise<void>;
}

const DATABASES = ['emr', 'billing', 'scheduling', 'prescription'];

/**
 * A whole private clinic environment for a test suite. Resolves `undefined` only for the aws
 * profile when moto is absent outside CI (then the suite skips, loudly).
 */
export async function startClinicTestEnv(profile: 'embedded' | 'aws'): Promise<ClinicTestEnv | undefined> {
  const messaging = await startTestStack(profile);
  if (!messaging) return undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'clinic-pg-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to enter this folder.
  chmodSync(dataDir, 0o711);
  let postgres: EmbeddedPostgres;
  try {
    postgres = await startPostgres({
      dataDir: path.join(dataDir, 'data'),
      port: await freePort(),
      databases: DATABASES,
    });
  } catch (error) {
    await messaging.stop();
    throw error;
  }
  const env = { ...messaging.env, CLINIC_POSTGRES_PORT: String(postgres.port) };
  const apps: AppUnderTest[] = [];
  const configFor = (blueprint: AppBlueprint, extra: Record<string, string> = {}) =>
    loadAppConfig(blueprint.app, {
      ...env,
      DATABASE_URL: postgres.appUrl(blueprint.app),
      PORT: '0',
      LOG_FORMAT: 'json',
      ...extra,
    });
  const migrate = async (app: string, database: AppDatabase) => {
    const login = postgres.appLogin(app);
    await runMigrations(postgres.url(app), database);
    await ensureAppLogin(postgres.url(app), { user: login.user, password: login.password });
    return login.url;
  };
  return {
    messaging,
    postgres,
    postgresDataDir: path.join(dataDir, 'data'),
    env,
    configFor: (blueprint) => configFor(blueprint),
    migrate,
    async startApp(blueprint, database, extra = {}) {
      const config = configFor(blueprint, extra);
      await migrate(blueprint.app, database);
      const built = await createClinicApp(blueprint, config, { logger: false });
      const spy = built.transport ? HandlerSpy.attach(built.transport) : undefined;
      await startClinicApp(built);
      const address = (built.http.getHttpServer() as Server).address() as AddressInfo;
      const app: AppUnderTest = {
        ...built,
        url: `http://127.0.0.1:${address.port}`,
        spy,
        stop: async () => {
          apps.splice(apps.indexOf(app), 1);
          await built.http.close();
        },
      };
      apps.push(app);
      return app;
    },
    publisher: () => messaging.runtime('emr').publisher(),
    async stop() {
      for (const app of [...apps].reverse()) await app.stop();
      await postgres.stop();
      await messaging.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
