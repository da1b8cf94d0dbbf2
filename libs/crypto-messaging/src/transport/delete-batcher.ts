import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

const MAX_BATCH = 10;

/**
 * Coalesces DeleteMessage calls into DeleteMessageBatch calls of up to ten. Each caller learns
 * whether its own delete succeeded: a failed delete means a redelivery, which idempotent
 * handlers absorb.
 */
export class DeleteBatcher {
  private pending: Array<{ handle: string; resolve: () => void; reject: (e: Error) => void }> = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ handle: receiptHandle, resolve, reject });
      if (this.pending.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // Let the other handlers that finish in this turn of the event loop join the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is pending and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      const sent = this.send(batch).finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
    }
  }

  private async send(batch: typeof this.pending): Promise<void> {
    try {
      const out = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((b, i) => ({ Id: String(i), ReceiptHandle: b.handle })),
        }),
      );
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f.Code]));
      batch.forEach((b, i) => {
        const code = failed.get(String(i));
        if (code) b.reject(new Error(`DeleteMessage failed: ${code}`));
        else b.resolve();
      });
    } catch (error) {
      for (const b of batch) b.reject(error as Error);
    }
  }
}
