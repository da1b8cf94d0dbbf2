import { HttpException } from '@nestjs/common';
import { MessagingError, MessagingErrorCode } from '@app/crypto-messaging';

/**
 * A record's event could not be sealed, so the record was not saved (ADR 0007). An HTTP answer
 * the platform's exception filter writes as is: 503 with `Retry-After` while the key is out of
 * reach (nothing was committed, so the client's retry is the whole recovery), 413 for an event
 * too large to publish. Its message names the code, never a key id or the record.
 */
export class OutboxSealError extends HttpException {
  constructor(
    /** The library's code: KMS_UNAVAILABLE, KMS_KEY_DISABLED, MESSAGE_TOO_LARGE ... */
    readonly code: string,
    /** 503 when the key is out of reach (retry later), 413 when the event is too large, else 500. */
    status: number,
    /** Seconds to wait before retrying, for the `Retry-After` header (503 only). */
    readonly retryAfterS: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      {
        statusCode: status,
        error: status === 503 ? 'Service Unavailable' : status === 413 ? 'Payload Too Large' : 'Error',
        code,
        message,
      },
      status,
      options,
    );
    this.name = new.target.name;
  }

  /** Classifies a sealing failure. The message is for the physician's client: no key ids, no PHI. */
  static from(error: unknown): OutboxSealError {
    const code = error instanceof MessagingError ? error.code : 'SEAL_FAILED';
    if (code.startsWith('KMS_')) {
      const retryAfterS = code === MessagingErrorCode.KmsUnavailable ? 5 : 30;
      return new OutboxSealError(
        code,
        503,
        retryAfterS,
        `The record was not saved: its event could not be encrypted because the key service is unavailable (${code}). ` +
          `Nothing was stored; send the same request again after ${retryAfterS} s.`,
        { cause: error },
      );
    }
    if (code === MessagingErrorCode.MessageTooLarge) {
      return new OutboxSealError(
        code,
        413,
        undefined,
        'The record was not saved: its event would exceed the 262,144-byte message limit once encrypted. Send fewer or shorter entries.',
        { cause: error },
      );
    }
    return new OutboxSealError(
      code,
      500,
      undefined,
      `The record was not saved: its event could not be sealed (${code}).`,
      {
        cause: error,
      },
    );
  }
}
