import { RpcException } from '@nestjs/microservices';

/** The shape Nest's RPC exception filter hands back for a {@link DeadLetterException}. */
export interface DeadLetterSignal {
  readonly status: 'error';
  readonly deadLetter: true;
  readonly code: string;
  readonly message: string;
}

/**
 * Thrown by a handler when a message can never succeed (for example it refers to something
 * that will never exist): the transport moves it to the dead-letter queue instead of retrying.
 * Any other error means "retry later". The message must not contain PHI.
 */
export class DeadLetterException extends RpcException {
  constructor(code: string, message: string) {
    super({ status: 'error', deadLetter: true, code, message } satisfies DeadLetterSignal);
  }
}

/** True for what Nest's filter turns a {@link DeadLetterException} into. */
export function isDeadLetterSignal(value: unknown): value is DeadLetterSignal {
  return (
    typeof value === 'object' && value !== null && (value as { deadLetter?: unknown }).deadLetter === true
  );
}
