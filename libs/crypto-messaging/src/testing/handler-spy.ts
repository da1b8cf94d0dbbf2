import type { EncryptedSqsServer, MessageOutcome } from '../transport/encrypted-sqs.server';

type Predicate = (outcome: MessageOutcome) => boolean;

/**
 * Records what a consumer transport did with each message, so tests await an outcome instead
 * of sleeping: `await spy.waitFor((o) => o.eventId === id && o.outcome === 'acked')`.
 */
export class HandlerSpy {
  readonly outcomes: MessageOutcome[] = [];
  private waiters: Array<{
    done: () => boolean;
    predicate: Predicate;
    count: number;
    resolve: (o: MessageOutcome[]) => void;
  }> = [];

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
  waitForCount(
    predicate: Predicate,
    count: number,
    timeoutMs = 15_000,
    condition?: (spy: HandlerSpy) => boolean,
  ): Promise<MessageOutcome[]> {
    const done = () => (condition ? condition(this) : this.outcomes.filter(predicate).length >= count);
    if (done()) return Promise.resolve(this.outcomes.filter(predicate).slice(0, count));
    return new Promise((resolve, reject) => {
      const waiter = { done, predicate, count, resolve };
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

  /** Resolves once `condition` holds over everything recorded (checked after each outcome). */
  waitUntil(condition: (spy: HandlerSpy) => boolean, timeoutMs = 15_000): Promise<void> {
    return this.waitForCount(() => false, 0, timeoutMs, condition).then(() => undefined);
  }

  /** Distinct event ids with this outcome (at-least-once: a copy may be handled twice). */
  distinctEvents(kind: MessageOutcome['outcome']): Set<string | undefined> {
    return new Set(this.outcomes.filter((o) => o.outcome === kind).map((o) => o.eventId));
  }

  /** Outcomes of one kind. */
  count(kind: MessageOutcome['outcome']): number {
    return this.outcomes.filter((o) => o.outcome === kind).length;
  }

  private record(outcome: MessageOutcome): void {
    this.outcomes.push(outcome);
    for (const waiter of [...this.waiters]) {
      if (waiter.done()) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(this.outcomes.filter(waiter.predicate).slice(0, waiter.count));
      }
    }
  }
}
