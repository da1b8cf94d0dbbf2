import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EncryptedPublisher } from '@app/crypto-messaging';
import { freePort, HandlerSpy } from '@app/crypto-messaging/testing';
import { databaseNames } from '@app/clinic';
import { loadIdentityConfig, readStaffPasswords, STAFF, staffFor, type Role } from '@app/identity';
import { signIn, type StaffSession } from '@app/identity/client';
import {
  startIdentityProvider,
  startPostgres,
  type EmbeddedPostgres,
  type IdentityProvider,
} from '@app/local-stack';
import { createClinicApp, startClinicApp, type AppBlueprint, type ClinicApplication } from '../bootstrap';
import { loadAppConfig, type AppConfig } from '../config/app.config';
import { runMigrations, type AppDatabase } from '../database/data-source.factory';
import { ensureAppLogin } from '../database/app-login';
import { startTestStack, type TestStack } from '@app/clinic/testing';

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
  /** The private OpenID Connect provider apps trust (`CLINIC_OIDC_ISSUER`), on a free port. */
  readonly identityProvider: IdentityProvider;
  /** The provider's state folder: its keys and the staff's passwords (`readStaffPasswords`). */
  readonly identityStateDir: string;
  /** The environment apps read (profile, endpoints, database port, issuer). */
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
  /**
   * Signs a member of staff in on the private provider (code + PKCE, the real form), e.g.
   * `signIn('physician')`; `session.accessToken` goes in `Authorization: Bearer`.
   */
  signIn(username: string): Promise<StaffSession>;
  /**
   * A fresh access token of the first member of staff holding `role` (one session per role,
   * signed in on first use and refreshed as needed): `Authorization: Bearer <token>`.
   */
  token(role: Role): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A whole private clinic environment for a test suite. Resolves `undefined` only for the aws
 * profile when moto is absent outside CI (then the suite skips, loudly).
 */
export async function startClinicTestEnv(
  profile: 'embedded' | 'aws',
  options: {
    identityEnv?: Record<string, string>;
    /** The screen's port, for the provider's registered redirect URIs (browser tests). */
    webPort?: number;
  } = {},
): Promise<ClinicTestEnv | undefined> {
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
      databases: databaseNames(),
    });
  } catch (error) {
    await messaging.stop();
    throw error;
  }
  // A private provider in both profiles (the aws profile trusts it as "any OIDC issuer"): its
  // keys and passwords in this suite's temporary folder. identityEnv sets lifetimes (logoff tests).
  const identity = loadIdentityConfig({ ...options.identityEnv }, { profile: 'embedded', stateDir: dataDir });
  let identityProvider: IdentityProvider;
  try {
    identityProvider = await startIdentityProvider({ port: 0, identity, webPort: options.webPort });
  } catch (error) {
    await postgres.stop();
    await messaging.stop();
    throw error;
  }
  const env = {
    ...messaging.env,
    ...options.identityEnv,
    CLINIC_POSTGRES_PORT: String(postgres.port),
    CLINIC_IDP_PORT: String(identityProvider.port),
    CLINIC_OIDC_ISSUER: identityProvider.issuer,
  };
  const apps: AppUnderTest[] = [];
  const sessions = new Map<Role, Promise<StaffSession>>();
  const signInAs = async (username: string): Promise<StaffSession> => {
    const password = readStaffPasswords(identity.stateDir)?.[username];
    if (!password) {
      throw new Error(`No member of staff "${username}": one of ${STAFF.map((s) => s.username).join(', ')}`);
    }
    return signIn({ issuer: identityProvider.issuer, clientId: identity.clientId, username, password });
  };
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
    identityProvider,
    identityStateDir: identity.stateDir,
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
    async token(role) {
      let session = sessions.get(role);
      if (!session) {
        session = signInAs(staffFor(role).username);
        sessions.set(role, session);
        session.catch(() => sessions.delete(role));
      }
      return (await session).freshAccessToken();
    },
    signIn: (username) => signInAs(username),
    async stop() {
      for (const app of [...apps].reverse()) await app.stop();
      await identityProvider.stop();
      await postgres.stop();
      await messaging.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
