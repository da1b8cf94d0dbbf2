import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagingRuntime } from '@app/crypto-messaging';
import { Allow } from '../auth/access.decorators';

/** `GET /key-use`: this process's data-key counters (no ids, no payloads). */
@ApiTags('health')
@Allow('administrator')
@Controller('key-use')
export class KeyUseController {
  constructor(private readonly runtime: MessagingRuntime) {}

  @Get()
  @ApiOperation({ summary: 'Data keys generated and decrypted, messages encrypted and decrypted, KMS calls' })
  keyUse() {
    return {
      app: this.runtime.app,
      profile: this.runtime.profile,
      ...this.runtime.monitor.snapshot(),
    };
  }
}
