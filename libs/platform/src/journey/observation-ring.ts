import type { DeliveryTap, HopObservation } from '@app/crypto-messaging';

/** Observations kept per process: enough for a workshop's last few hundred records. */
export const OBSERVATION_RING_CAPACITY = 2_000;

/**
 * The process's delivery tap: the last {@link OBSERVATION_RING_CAPACITY} hop observations, in
 * memory, oldest overwritten first. Ids, lengths, ciphertext heads and routing attributes only:
 * nothing here is PHI, and nothing outlives the process.
 */
export class ObservationRing implements DeliveryTap {
  private readonly slots: Array<HopObservation | undefined>;
  private next = 0;

  constructor(readonly capacity = OBSERVATION_RING_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TypeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.slots = new Array<HopObservation | undefined>(capacity);
  }

  observe(observation: HopObservation): void {
    this.slots[this.next] = observation;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The observations of one event still held, oldest first. */
  forEvent(eventId: string): HopObservation[] {
    const out: HopObservation[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const o = this.slots[(this.next + i) % this.capacity];
      if (o?.eventId === eventId) out.push(o);
    }
    return out;
  }
}
