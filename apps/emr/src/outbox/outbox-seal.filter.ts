import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { OutboxSealError } from './outbox-seal.error';

/**
 * Answers a record refused because its event could not be sealed: 503 with `Retry-After` while
 * the key is out of reach (nothing was committed, so the client's retry is the whole recovery),
 * 413 for an event too large to publish. Logs the code, never the record.
 */
@Catch(OutboxSealError)
export class OutboxSealFilter implements ExceptionFilter<OutboxSealError> {
  private readonly logger = new Logger('Outbox');

  catch(error: OutboxSealError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    this.logger.warn({ msg: 'record refused: its event could not be sealed', code: error.code });
    if (error.retryAfterS !== undefined) response.setHeader('Retry-After', String(error.retryAfterS));
    response.status(error.status).json({
      statusCode: error.status,
      error:
        error.status === 503 ? 'Service Unavailable' : error.status === 413 ? 'Payload Too Large' : 'Error',
      code: error.code,
      message: error.message,
    });
  }
}
