import { startEmbeddedBroker, type EmbeddedBroker } from '@app/crypto-messaging/embedded';
import { assertPortFree, PortInUseError } from './launch';

/** The in-process-tree SNS/SQS broker (fauxqs), speaking the real AWS wire protocols. */
export type Broker = EmbeddedBroker;

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

/**
 * Starts the embedded SNS/SQS broker on 127.0.0.1 (the library's launcher); durable when
 * `dataDir` is given. A taken port fails with {@link PortInUseError}, naming the setting.
 */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const setting = options.portSetting ?? 'CLINIC_BROKER_PORT';
  await assertPortFree(options.port, setting, 'SNS/SQS broker');
  try {
    return await startEmbeddedBroker({
      port: options.port,
      region: options.region,
      dataDir: options.dataDir,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(options.port, setting, 'SNS/SQS broker');
    }
    throw error;
  }
}
