import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';

/**
 * A path parameter that must be a version-4 UUID, refused with a message that names it
 * (`id must be a UUID (version 4)`) rather than Nest's "Validation failed (uuid v 4 is expected)".
 */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    version: '4',
    exceptionFactory: () => new BadRequestException([`${name} must be a UUID (version 4)`]),
  });
}
