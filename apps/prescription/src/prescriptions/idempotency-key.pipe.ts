import {
  BadRequestException,
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';

/** The header a client sends to make a retried request safe. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** 1-255 visible ASCII characters (no spaces, no control characters). */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Validates an optional `Idempotency-Key` header: absent is allowed (behaviour as without
 * idempotency); present must be 1-255 visible ASCII characters, else 400 naming the header.
 * The value is never echoed: a client could put anything in it.
 */
export class IdempotencyKeyPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    // A header sent twice arrives joined with ", " (and so fails the pattern) or as an array.
    if (typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_IDEMPOTENCY_KEY',
        message: [`${IDEMPOTENCY_KEY_HEADER} header must be 1-255 visible ASCII characters (no spaces)`],
      });
    }
    return value;
  }
}

const idempotencyKeyHeader = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['idempotency-key'],
);

/** The request's `Idempotency-Key` header, validated (`undefined` when absent). */
export const IdempotencyKey = (): ParameterDecorator => idempotencyKeyHeader(new IdempotencyKeyPipe());
