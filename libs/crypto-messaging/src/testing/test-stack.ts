import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { MessagingOptions } from '../config/messaging.config';
import { startEmbeddedBroker, type EmbeddedBroker } from '../embedded/embedded-broker';
import { MessagingRuntime } from '../messaging.runtime';
import { provisionTopology, type ProvisionReport } from '../provisioning/provision';
import type { MessagingTopology } from '../topology/topology.types';
import { MOTO_CREDENTIALS, MOTO_REGION, startMotoServer } from './moto-server';

/** The broker a test stack started, as its runtime options need it. */
export interface TestBroker {
  readonly profile: 'embedded' | 'aws';
  readonly endpoint: string;
  /** The embedded broker's port; `undefined` on moto. */
  readonly port?: number;
  /** A fresh temporary folder (the local master key, the broker's store), removed by `stop()`. */
  readonly stateDir: string;
}

/** What a test stack runs: a topology, or the runtime options for the broker it started. */
export type TestStackSetup = MessagingTopology | ((broker: TestBroker) => MessagingOptions);

/** A broker (fauxqs or moto) with a topology provisioned, for integration tests. */
export interface MessagingTestStack {
  readonly profile: 'embedded' | 'aws';
  readonly endpoint: string;
  readonly stateDir: string;
  readonly options: MessagingOptions;
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

/** The runtime options of a bare topology on the broker: its region, endpoint and key folder. */
function optionsFor(topology: MessagingTopology, broker: TestBroker): MessagingOptions {
  return {
    profile: broker.profile,
    topology,
    region: MOTO_REGION,
    endpoint: broker.endpoint,
    localKeyDir: broker.stateDir,
  };
}

/**
 * Starts an isolated stack and provisions the topology on it: `embedded` is fauxqs (persisted in
 * the state folder) with a fresh local master key; `aws` is a private moto server with real KMS
 * semantics. Resolves `undefined` only when moto is absent outside CI (the caller skips, loudly).
 */
export async function startMessagingTestStack(
  profile: 'embedded' | 'aws',
  setup: TestStackSetup,
  { stateDirPrefix = 'messaging-test-' }: { stateDirPrefix?: string } = {},
): Promise<MessagingTestStack | undefined> {
  const stateDir = mkdtempSync(path.join(tmpdir(), stateDirPrefix));
  const brokerDir = path.join(stateDir, 'broker');
  let broker: EmbeddedBroker | undefined;
  let target: TestBroker;
  let stopServer: () => Promise<void>;
  if (profile === 'embedded') {
    broker = await startEmbeddedBroker({ port: 0, dataDir: brokerDir });
    target = { profile, endpoint: broker.endpoint, port: broker.port, stateDir };
    stopServer = () => broker!.stop();
  } else {
    const moto = await startMotoServer();
    if (!moto) {
      rmSync(stateDir, { recursive: true, force: true });
      return undefined;
    }
    target = { profile, endpoint: moto.endpoint, stateDir };
    stopServer = () => moto.stop();
    // The aws profile takes credentials from the SDK's chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  }
  const options = typeof setup === 'function' ? setup(target) : optionsFor(setup, target);
  const runtimes: MessagingRuntime[] = [];
  const runtime = (app: string) => {
    const r = MessagingRuntime.create(options, app);
    runtimes.push(r);
    return r;
  };
  const admin = runtime('provisioner');
  const provisioned = await provisionTopology({
    topology: admin.topology,
    clients: admin.clients,
    profile,
    endpoint: target.endpoint,
  });
  return {
    profile,
    endpoint: target.endpoint,
    stateDir,
    options,
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
