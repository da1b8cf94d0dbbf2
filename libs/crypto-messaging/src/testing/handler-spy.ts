import type { EncryptedSqsServer, MessageOutcome } from '../transport/encrypted-sqs.server';

type Predicate = (outcome: MessageOutcome) => boolean;

/**
 * Records what a consumer transport did with each message, so tests await an outcome instead
 * of sleeping: `await spy.waitFor((o) => o.eventId === id && o.outcome === 'acked')`.
 */
export class HandlerSpy {
  readonly outcomes: MessageOutcome[] = [];
  private waiters: Array<{ predicate: Predicate; count: number; resolve: (o: MessageOutcome[]) => void }> =
    [];

  static attach(server: EncryptedSqsServer): HandlerSpy {
    const spy = new HandlerSpy();
    server.on('outcome', (o) => spy.record(o));
    return spy;
  }

  /** Resolves with the first outcome (past or future) that matches. */
  async waitFor(predicate: Predicate, timeoutMs = 15_000): Promise<MessageOutcome> {
    return (await this.waitForCount(predicate, 1, timeoutMs))[0];
  }

  /** Resolves once `count` outcomes match; rejects after `timeoutMs` saying how many did. */
  waitForCount(predicate: Predicate, count: number, timeoutMs = 15_000): Promise<MessageOutcome[]> {
    const matches = this.outcomes.filter(predicate);
    if (matches.length >= count) return Promise.resolve(matches.slice(0, count));
    return new Promise((resolve, reject) => {
      const waiter = { predicate, count, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `HandlerSpy: ${this.outcomes.filter(predicate).length} of ${count} expected outcomes after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      waiter.resolve = (o) => {
        clearTimeout(timer);
        resolve(o);
      };
      this.waiters.push(waiter);
    });
  }

  /** Outcomes of one kind. */
  count(kind: MessageOutcome['outcome']): number {
    return this.outcomes.filter((o) => o.outcome === kind).length;
  }

  private record(outcome: MessageOutcome): void {
    this.outcomes.push(outcome);
    for (const waiter of [...this.waiters]) {
      const matches = this.outcomes.filter(waiter.predicate);
      if (matches.length >= waiter.count) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(matches.slice(0, waiter.count));
      }
    }
  }
}
