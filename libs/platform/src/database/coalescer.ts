import { settledOrLater } from '../settled-or-later';

/** One item's result in a group: its value, or the error that fails it alone. */
export type ItemOutcome<O> = { readonly value: O } | { readonly error: unknown };

/** Runs one group of items; resolves with one outcome per item, in the items' order. */
export type GroupRun<I, O> = (items: readonly I[]) => Promise<ReadonlyArray<ItemOutcome<O>>>;

export interface CoalescerOptions {
  /** Most items in one group. */
  readonly max: number;
  /**
   * How long items wait for the group under way before the next group starts beside it, in ms.
   * A group stuck on a stalled database then delays the next callers by this much, not by its
   * own time-outs. Unset: they wait for it, however long (one group at a time).
   */
  readonly patienceMs?: number;
}

/**
 * Runs the work of concurrent callers in groups: an item that comes while a group is under way
 * waits for it, and the next group takes every item waiting by then (up to `max`). A group starts
 * when an item finds nothing under way (alone, at once: a quiet service pays no latency), when the
 * group under way ends, or, with a patience, when it has run that long. A busy service so sends
 * one statement where it sent one per caller (a group commit). A group that rejects fails every
 * item in it; an item's own failure is an outcome with an error, and fails that item alone.
 *
 * With a patience, groups stuck together are not limited in number: one starts per patience
 * while items keep coming. `run` must then give up by a deadline of its own (a pool's wait for a
 * connection, a statement's time-out), which bounds them; the items are no more than the callers.
 */
export class Coalescer<I, O> {
  private pending: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private draining = false;
  private readonly max: number;
  private readonly patienceMs: number | undefined;

  constructor(
    private readonly run: GroupRun<I, O>,
    options: CoalescerOptions,
  ) {
    const { max, patienceMs } = options;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`A group's size must be a whole number >= 1, not ${max}`);
    if (patienceMs !== undefined && !(patienceMs >= 0)) {
      throw new RangeError(`A group's patience must be a number of ms >= 0, not ${patienceMs}`);
    }
    this.max = max;
    this.patienceMs = patienceMs;
  }

  /** Resolves with this item's value once its group has run. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const done = this.runGroup(this.pending.splice(0, this.max));
        if (this.patienceMs === undefined) await done;
        else await settledOrLater(done, this.patienceMs);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Runs one group and settles its callers; never rejects. */
  private async runGroup(group: typeof this.pending): Promise<void> {
    try {
      const outcomes = await this.run(group.map((waiting) => waiting.item));
      if (outcomes.length !== group.length) {
        throw new Error(`A group of ${group.length} items gave ${outcomes.length} outcomes`);
      }
      outcomes.forEach((outcome, i) =>
        'error' in outcome ? group[i].reject(outcome.error) : group[i].resolve(outcome.value),
      );
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}
