import * as path from 'node:path';
import { launchNodeService, type ProcessExit } from './node-service';

/**
 * The embedded SNS/SQS broker (fauxqs) in a process of its own, on 127.0.0.1, speaking the real
 * AWS wire protocols: the `embedded` profile's broker, and the one the library's tests run on.
 */
export interface EmbeddedBroker {
  /** `http://127.0.0.1:<port>`: give it to the SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** The broker process (fault tests kill it; a supervisor watches it). */
  readonly pid: number;
  /** Resolves when the broker process ends, whatever ended it. */
  readonly exited: Promise<ProcessExit>;
  /** Resolves true when the broker answers its health check. */
  healthy(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** Loopback port; 0 picks a free one. */
  port: number;
  region?: string;
  /**
   * Folder for the broker's SQLite store: queues, subscriptions and waiting messages survive a
   * crash (kill -9) and a restart. Omit for a broker that keeps everything in memory (tests).
   */
  dataDir?: string;
}

const START_TIMEOUT_MS = 20_000;
const HEALTH_TIMEOUT_MS = 2_000;
/** The launcher is an ES module (fauxqs ships only ESM); a compiled build copies it beside us. */
const LAUNCHER = path.join(__dirname, 'launchers', 'broker.mjs');

/**
 * Starts the embedded broker; durable when `dataDir` is given. A taken port rejects with an
 * error whose `code` is `EADDRINUSE`.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const launched = await launchNodeService(
    [LAUNCHER],
    {
      BROKER_PORT: String(options.port),
      BROKER_REGION: options.region ?? 'us-east-1',
      BROKER_DATA_DIR: options.dataDir ?? '',
    },
    { service: 'SNS/SQS broker', timeoutMs: START_TIMEOUT_MS },
  );
  const endpoint = `http://127.0.0.1:${launched.port}`;
  return {
    endpoint,
    port: launched.port,
    pid: launched.child.pid!,
    exited: launched.exited,
    async healthy() {
      try {
        const response = await fetch(`${endpoint}/health`, {
          signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
        });
        return response.ok;
      } catch {
        return false;
      }
    },
    stop: () => launched.stop(),
  };
}
