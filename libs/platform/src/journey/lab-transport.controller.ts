import { Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagingRuntime, type EncryptedSqsServer } from '@app/crypto-messaging';
import { Allow, Audited } from '../auth/access.decorators';

/** The answer of a lab action. */
export interface LabTransportAnswer {
  readonly action: 'pause' | 'resume';
  readonly transport: 'running' | 'paused';
}

/**
 * Workshop lab, embedded profile only (not registered in the aws profile): stop and restart
 * this consumer's polling, to watch messages wait in the queue and then flow again.
 */
@ApiTags('lab')
@Controller('lab/transport')
export class LabTransportController {
  constructor(private readonly runtime: MessagingRuntime) {}

  @Post('pause')
  @HttpCode(202)
  @Allow('physician', 'administrator')
  @Audited({ resource: 'transport', action: 'lab' })
  @ApiOperation({ summary: 'Lab: stop polling the queue (handlers under way finish)' })
  @ApiAcceptedResponse({ description: '{ action, transport }' })
  pause(): LabTransportAnswer {
    const transport = this.transport();
    transport.pause();
    return { action: 'pause', transport: transport.state };
  }

  @Post('resume')
  @HttpCode(202)
  @Allow('physician', 'administrator')
  @Audited({ resource: 'transport', action: 'lab' })
  @ApiOperation({ summary: 'Lab: poll the queue again' })
  @ApiAcceptedResponse({ description: '{ action, transport }' })
  resume(): LabTransportAnswer {
    const transport = this.transport();
    transport.resume();
    return { action: 'resume', transport: transport.state };
  }

  private transport(): EncryptedSqsServer {
    if (!this.runtime.transport) {
      throw new ServiceUnavailableException('this app has no consumer transport running yet');
    }
    return this.runtime.transport;
  }
}
