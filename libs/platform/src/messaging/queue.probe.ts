import { Injectable } from '@nestjs/common';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { MessagingRuntime, queueOf } from '@app/crypto-messaging';
import { withTimeout } from '../health/health.controller';
import { MessagingProbe } from './messaging-probe';

/** A consumer's messaging is up when its own queue answers. */
@Injectable()
export class QueueProbe extends MessagingProbe {
  constructor(private readonly runtime: MessagingRuntime) {
    super();
  }

  async check(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      const queue = queueOf(this.runtime.topology, this.runtime.app);
      const url = await withTimeout(this.runtime.queueUrl(queue.name), 2_000);
      await withTimeout(
        this.runtime.clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
        ),
        2_000,
      );
      return { status: 'up', detail: queue.name };
    } catch (error) {
      return { status: 'down', detail: (error as Error).name };
    }
  }
}
