/** Every failure of the dead-letter tooling carries one of these codes. */
export enum DeadLetterErrorCode {
  /** The queue name is not one of the topology's consumers: the message names the valid ones. */
  UnknownQueue = 'DLQ_UNKNOWN_QUEUE',
  /** No dead-lettered message has this event id (or message id). */
  NotFound = 'DLQ_NOT_FOUND',
  /** Decryption was asked for but this instance was given no cipher. */
  NoCipher = 'DLQ_NO_CIPHER',
  /** An id is not an id (it would be echoed back): only ids are accepted. */
  InvalidId = 'DLQ_INVALID_ID',
  /** SQS allows one purge per queue per 60 s. */
  PurgeInProgress = 'DLQ_PURGE_IN_PROGRESS',
  /** SQS's own move task (StartMessageMoveTask) reported a failure. */
  MoveTaskFailed = 'DLQ_MOVE_TASK_FAILED',
}

/**
 * An error of the dead-letter tooling. Messages name queues and ids, never bodies or attribute
 * values other than ids.
 */
export class DeadLetterError extends Error {
  constructor(
    readonly code: DeadLetterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
