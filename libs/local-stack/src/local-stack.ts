import * as path from 'node:path';
import { loadOrCreateLocalMasterKey } from '@app/crypto-messaging';
import type { IdentityConfig } from '@app/identity';
import { startBroker, type Broker } from './broker';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';
import { ADMIN_PASSWORD_MOVED, postgresDataDirOf, startPostgres, type EmbeddedPostgres } from './postgres';

/** The embedded development stack: broker, PostgreSQL, identity provider and the local master key, on loopback. */
export interface LocalStack {
  readonly broker: Broker;
  readonly postgres?: EmbeddedPostgres;
  /** The embedded OpenID Connect provider, when the identity settings point at it. */
  readonly identityProvider?: IdentityProvider;
  readonly masterKeyPath: string;
  /** Health of each part, for `/health` and the CLI. */
  health(): Promise<{
    broker: boolean;
    postgres: boolean | 'not-started';
    identityProvider: boolean | 'not-started';
  }>;
  /** Stops everything it started, PostgreSQL last so that apps can finish their writes. */
  stop(): Promise<void>;
}

/** Where the embedded stack keeps its state and listens (the clinic's messaging settings fit). */
export interface LocalStackSettings {
  /** Folder of the local master key, the broker's store and PostgreSQL's data. */
  readonly stateDir: string;
  readonly brokerPort: number;
  readonly postgresPort: number;
  readonly region: string;
}

export interface LocalStackOptions {
  /** Databases to create (one per app); omit to skip PostgreSQL. */
  databases?: string[];
  /** Called with progress lines for people (no secrets). */
  onProgress?: (line: string) => void;
  /**
   * Identity settings: the embedded OpenID Connect provider starts on `idpPort` when the issuer
   * is the embedded one (`http://127.0.0.1:<idpPort>`); omit to skip it.
   */
  identity?: IdentityConfig;
}

/** True when the identity settings trust the embedded provider (not Cognito or another issuer). */
export function usesEmbeddedIdentityProvider(identity: IdentityConfig): boolean {
  return identity.issuer === `http://127.0.0.1:${identity.idpPort}`;
}

/**
 * Starts the embedded stack for the given config: fauxqs on `brokerPort`, embedded PostgreSQL
 * on `postgresPort` (data under `<stateDir>/postgres`), and the local master key in `stateDir`.
 * A taken port fails fast, naming the variable to change.
 */
export async function startLocalStack(
  config: LocalStackSettings,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const say = options.onProgress ?? (() => undefined);
  const key = loadOrCreateLocalMasterKey(config.stateDir);
  say(key.created ? `generated the local master key ${key.path}` : `using the local master key ${key.path}`);
  const brokerDir = path.join(config.stateDir, 'broker');
  const broker = await startBroker({ port: config.brokerPort, region: config.region, dataDir: brokerDir });
  say(`SNS/SQS broker (fauxqs) on ${broker.endpoint}, messages kept in ${brokerDir}`);
  let postgres: EmbeddedPostgres | undefined;
  if (options.databases) {
    try {
      postgres = await startPostgres({
        dataDir: postgresDataDirOf(config.stateDir),
        port: config.postgresPort,
        databases: options.databases,
      });
    } catch (error) {
      await broker.stop();
      throw error;
    }
    say(`PostgreSQL on 127.0.0.1:${postgres.port} (databases: ${options.databases.join(', ')})`);
    if (postgres.adminPasswordMoved) say(`${ADMIN_PASSWORD_MOVED} (${postgres.secretsDir})`);
  }
  let identityProvider: IdentityProvider | undefined;
  if (options.identity && usesEmbeddedIdentityProvider(options.identity)) {
    try {
      identityProvider = await startIdentityProvider({
        port: options.identity.idpPort,
        identity: options.identity,
      });
    } catch (error) {
      await broker.stop();
      await postgres?.stop();
      throw error;
    }
    say(
      `identity provider (OpenID Connect) on ${identityProvider.issuer}, keys and staff passwords in ${options.identity.stateDir}`,
    );
  }
  return {
    broker,
    postgres,
    identityProvider,
    masterKeyPath: key.path,
    async health() {
      return {
        broker: await broker.healthy(),
        postgres: postgres ? await postgresHealthy(postgres) : 'not-started',
        identityProvider: identityProvider ? await identityProvider.healthy() : 'not-started',
      };
    },
    async stop() {
      await identityProvider?.stop();
      await broker.stop();
      await postgres?.stop();
    },
  };
}

async function postgresHealthy(pg: EmbeddedPostgres): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: pg.url('postgres'), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
