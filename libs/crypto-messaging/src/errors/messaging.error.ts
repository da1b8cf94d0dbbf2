/** Every failure the library raises carries one of these codes. */
export enum MessagingErrorCode {
  /** A setting is missing or wrong: the message names the variable and the fix. */
  Config = 'CONFIG',
  /** An attribute or subject looks like PHI, or is not on the allowlist. */
  PhiRefused = 'PHI_REFUSED',
  /** The message would exceed SNS's 262,144-byte limit. */
  MessageTooLarge = 'MESSAGE_TOO_LARGE',
  /** The event does not match its schema, or its type is unknown. */
  InvalidEvent = 'INVALID_EVENT',
  /** The body cannot be decrypted (tampered, wrong key, not an envelope). */
  DecryptFailed = 'DECRYPT_FAILED',
  /** The envelope's encryption context does not match the expected one or the attributes. */
  ContextMismatch = 'CONTEXT_MISMATCH',
  KmsKeyDisabled = 'KMS_KEY_DISABLED',
  KmsAccessDenied = 'KMS_ACCESS_DENIED',
  KmsKeyNotFound = 'KMS_KEY_NOT_FOUND',
  KmsUnavailable = 'KMS_UNAVAILABLE',
  /** The broker refused or failed the call after retries. */
  BrokerUnavailable = 'BROKER_UNAVAILABLE',
  /** A resource the topology declares does not exist: provision the topology first. */
  NotProvisioned = 'NOT_PROVISIONED',
}

/** What may accompany a {@link MessagingError}. */
export interface MessagingErrorOptions {
  readonly cause?: unknown;
  /**
   * What to do about it, in the library's own terms ("provision the topology", "start the
   * broker"): never a command of the application that uses the library. An application that
   * has its own command for a code (a CLI's `provision`) renders that instead.
   */
  readonly fix?: string;
}

/**
 * Base class of the library's errors: a stable code, a message that says what is wrong, and a
 * fix. They never contain payloads, attribute values or anything else that could be PHI.
 */
export class MessagingError extends Error {
  readonly fix?: string;

  constructor(
    readonly code: MessagingErrorCode,
    message: string,
    options: MessagingErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.fix !== undefined) this.fix = options.fix;
  }
}

/** A message that can never be processed: the transport dead-letters it without retrying. */
export class PoisonMessageError extends MessagingError {}

/** A misconfiguration: names the setting and the fix. */
export class ConfigError extends MessagingError {
  constructor(message: string, fix?: string) {
    super(MessagingErrorCode.Config, message, fix === undefined ? {} : { fix });
  }
}
