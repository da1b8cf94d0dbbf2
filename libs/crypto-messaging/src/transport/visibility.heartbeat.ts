import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { LoggerService } from '@nestjs/common';

const MAX_BATCH = 10;

/** A message held invisible while its handler runs; {@link end} stops extending it. */
export interface Lease {
  /** Stops the heartbeat for this message; resolves once no extension of it is still in flight. */
  end(): Promise<void>;
}

interface Held {
  readonly message: Message;
  lastSetAt: number;
}

/**
 * Keeps every message whose handler is still running invisible, with one timer for all of them
 * (not one per message): each tick extends, in batches of ten, the messages whose visibility was
 * last set half a tick or more ago. A tick comes every third of the visibility timeout, so a
 * message is extended at the latest half a timeout after its last extension, as a per-message
 * timer at half the timeout did.
 */
export class VisibilityHeartbeat {
  private readonly held = new Map<Message, Held>();
  private timer?: NodeJS.Timeout;
  private beat: Promise<void> = Promise.resolve();
  private readonly tickMs: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilityTimeoutS: number,
    private readonly logger: LoggerService,
  ) {
    this.tickMs = (visibilityTimeoutS * 1000) / 3;
  }

  /** Messages held right now. */
  get size(): number {
    return this.held.size;
  }

  /** Starts holding a message received just now; `ended` runs once, at the lease's first end. */
  hold(message: Message, ended?: () => void): Lease {
    this.held.set(message, { message, lastSetAt: Date.now() });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return {
      end: () => {
        // A beat under way may include this message: let it land before the caller changes the
        // visibility itself, or the late beat would undo a retry delay.
        const wasHeld = this.held.delete(message);
        if (this.held.size === 0) this.stop();
        if (wasHeld) ended?.();
        return wasHeld ? this.beat : Promise.resolve();
      },
    };
  }

  /** Stops the timer (messages still held reappear after their visibility timeout). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    const due = [...this.held.values()].filter((h) => now - h.lastSetAt >= this.tickMs / 2);
    if (due.length === 0) return;
    for (const h of due) h.lastSetAt = now;
    const batches: Held[][] = [];
    for (let i = 0; i < due.length; i += MAX_BATCH) batches.push(due.slice(i, i + MAX_BATCH));
    // Chained: `end()` waits for every beat still in flight, not only the last one.
    this.beat = Promise.all([this.beat, ...batches.map((batch) => this.extend(batch))]).then(() => undefined);
  }

  private async extend(batch: Held[]): Promise<void> {
    try {
      const out = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((h, i) => ({
            Id: String(i),
            ReceiptHandle: h.message.ReceiptHandle!,
            VisibilityTimeout: this.visibilityTimeoutS,
          })),
        }),
      );
      for (const failed of out.Failed ?? []) {
        this.warn(batch[Number(failed.Id)]?.message, failed.Code ?? 'unknown');
      }
    } catch (error) {
      for (const h of batch) this.warn(h.message, (error as Error).name);
    }
  }

  private warn(message: Message | undefined, error: string): void {
    this.logger.warn({ msg: 'visibility heartbeat failed', messageId: message?.MessageId, error });
  }
}
