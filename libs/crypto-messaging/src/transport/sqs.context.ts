import { BaseRpcContext } from '@nestjs/microservices';

/** What a handler may know about the delivery of the event it handles. No payloads here. */
export interface SqsDeliveryInfo {
  readonly messageId: string;
  readonly eventId: string;
  readonly pattern: string;
  /** How many times SQS has delivered this message (1 on the first delivery). */
  readonly receiveCount: number;
  readonly occurredAt: string;
  /** The plaintext, PHI-free routing attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly queueUrl: string;
}

/** The context handed to `@EventPattern` handlers (`@Ctx() ctx: SqsContext`). */
export class SqsContext extends BaseRpcContext<[SqsDeliveryInfo]> {
  get info(): SqsDeliveryInfo {
    return this.args[0];
  }
  getEventId(): string {
    return this.args[0].eventId;
  }
  getMessageId(): string {
    return this.args[0].messageId;
  }
  getReceiveCount(): number {
    return this.args[0].receiveCount;
  }
  getAttributes(): Readonly<Record<string, string>> {
    return this.args[0].attributes;
  }
}
