import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { provisionTopology, type MessagingRuntime, type ProvisionReport } from '@app/crypto-messaging';
import { MOTO_CREDENTIALS, MOTO_REGION, startMotoServer } from '@app/crypto-messaging/testing';
import { startEmbeddedBroker, type EmbeddedBroker } from '@app/crypto-messaging/embedded';
import { clinicRuntime } from '../clinic.messaging';
import { loadMessagingConfig, type MessagingConfig } from '../messaging.settings';

/** A broker (fauxqs or moto) with the clinic topology provisioned, for integration tests. */
export interface TestStack {
  readonly profile: 'embedded' | 'aws';
  readonly config: MessagingConfig;
  /** The environment the config was read from: give it to apps under test. */
  readonly env: Readonly<Record<string, string>>;
  readonly endpoint: string;
  readonly provisioned: ProvisionReport;
  /**
   * Embedded only: kills the broker with SIGKILL (a crash, not a shutdown). Its SQLite store in
   * the state folder keeps what it had acknowledged.
   */
  killBroker(): Promise<void>;
  /** Embedded only: starts the broker again on the same port and data folder. */
  restartBroker(): Promise<void>;
  /** A runtime for one app, closed by `stop()`. */
  runtime(app: string): MessagingRuntime;
  stop(): Promise<void>;
}

/**
 * Starts an isolated stack: `embedded` is fauxqs with a fresh local master key in a temporary
 * folder; `aws` is a private moto server with real KMS semantics. Resolves `undefined` only when
 * moto is absent outside CI (the caller skips, loudly).
 */
export async function startTestStack(
  profile: 'embedded' | 'aws',
  env: Record<string, string> = {},
): Promise<TestStack | undefined> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-test-'));
  let endpoint: string;
  let stopServer: () => Promise<void>;
  let stackEnv: Record<string, string>;
  let broker: EmbeddedBroker | undefined;
  const brokerDir = path.join(stateDir, 'broker');
  if (profile === 'embedded') {
    broker = await startEmbeddedBroker({ port: 0, dataDir: brokerDir });
    endpoint = broker.endpoint;
    stopServer = () => broker!.stop();
    stackEnv = {
      CLINIC_PROFILE: 'embedded',
      CLINIC_BROKER_PORT: String(broker.port),
      CLINIC_STATE_DIR: stateDir,
      ...env,
    };
  } else {
    const moto = await startMotoServer();
    if (!moto) return undefined;
    endpoint = moto.endpoint;
    stopServer = () => moto.stop();
    // The aws profile takes credentials from the SDK's chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    stackEnv = {
      CLINIC_PROFILE: 'aws',
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: MOTO_REGION,
      CLINIC_STATE_DIR: stateDir,
      ...env,
    };
  }
  const config = loadMessagingConfig(stackEnv);
  const runtimes: MessagingRuntime[] = [];
  const runtime = (app: string) => {
    const r = clinicRuntime(config, app);
    runtimes.push(r);
    return r;
  };
  const admin = runtime('provisioner');
  const provisioned = await provisionTopology({
    topology: admin.topology,
    clients: admin.clients,
    profile,
    endpoint,
  });
  return {
    profile,
    config,
    env: stackEnv,
    endpoint,
    provisioned,
    runtime,
    async killBroker() {
      if (!broker) throw new Error('killBroker() needs the embedded profile');
      process.kill(broker.pid, 'SIGKILL');
      await broker.exited;
    },
    async restartBroker() {
      if (!broker) throw new Error('restartBroker() needs the embedded profile');
      broker = await startEmbeddedBroker({ port: broker.port, dataDir: brokerDir });
    },
    async stop() {
      for (const r of runtimes) r.close();
      await stopServer();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
