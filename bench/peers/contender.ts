import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeliverySink } from './delivery-sink';
import type { PeerMode } from './summary';

/** Messages a consumer holds at once: SQS's largest receive, for every contender. */
export const PEER_BATCH_SIZE = 10;
/** Long-poll wait: short, so that a stopped consumer's last poll returns soon. */
export const PEER_WAIT_TIME_S = 1;

/** What one run of one contender is given. */
export interface RunSetup {
  readonly mode: PeerMode;
  /** The contender's own queue, filled before the run. */
  readonly queueUrl: string;
  readonly sink: DeliverySink;
  /** An SQS client built as the library builds its own (keep-alive, same pool), for this run. */
  readonly sqs: SQSClient;
  /** The peers' decryption by hand; absent for plaintext bodies. */
  readonly decrypt?: (ciphertext: Buffer) => Promise<Buffer>;
}

/** A consumer built and ready (not timed); `start` begins the timed consume phase. */
export interface PreparedConsumer {
  start(): Promise<void>;
  /** Stops taking messages and waits until the last poll has returned. */
  stop(): Promise<void>;
}

/** One way of consuming the queue: the raw loop, a peer library, or this library's transport. */
export interface Contender {
  readonly name: string;
  prepare(setup: RunSetup): Promise<PreparedConsumer>;
}
