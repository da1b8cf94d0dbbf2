import { assertPortFree, launch, PortInUseError, type ProcessExit } from './launch';

/** The in-process-tree SNS/SQS broker (fauxqs), speaking the real AWS wire protocols. */
export interface Broker {
  /** `http://127.0.0.1:<port>`: give it to the SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** The broker process (fault tests kill it; `npm start` watches it). */
  readonly pid: number;
  /** Resolves when the broker process ends, whatever ended it. */
  readonly exited: Promise<ProcessExit>;
  /** Resolves true when the broker answers its health check. */
  healthy(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface BrokerOptions {
  /** Loopback port; 0 picks a free one. */
  port: number;
  region?: string;
  /** The setting that chose the port, named in the error when it is taken. */
  portSetting?: string;
  /**
   * Folder for the broker's SQLite store: queues, subscriptions and waiting messages survive a
   * crash (kill -9) and a restart. Omit for a broker that keeps everything in memory (tests).
   */
  dataDir?: string;
}

const START_TIMEOUT_MS = 20_000;

/** Starts the embedded SNS/SQS broker on 127.0.0.1; durable when `dataDir` is given. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const setting = options.portSetting ?? 'CLINIC_BROKER_PORT';
  await assertPortFree(options.port, setting, 'SNS/SQS broker');
  let launched;
  try {
    launched = await launch(
      'broker',
      {
        BROKER_PORT: String(options.port),
        BROKER_REGION: options.region ?? 'us-east-1',
        BROKER_DATA_DIR: options.dataDir ?? '',
      },
      { service: 'SNS/SQS broker', timeoutMs: START_TIMEOUT_MS },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(options.port, setting, 'SNS/SQS broker');
    }
    throw error;
  }
  const endpoint = `http://127.0.0.1:${launched.port}`;
  return {
    endpoint,
    port: launched.port,
    pid: launched.child.pid!,
    exited: launched.exited,
    async healthy() {
      try {
        const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) });
        return response.ok;
      } catch {
        return false;
      }
    },
    stop: () => launched.stop(),
  };
}
