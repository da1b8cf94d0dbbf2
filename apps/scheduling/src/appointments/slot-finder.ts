import type { EntityManager } from 'typeorm';
import type { BookableResource } from './appointment.entity';
import { NoFreeSlotError, scheduleOf, SEARCH_HORIZON_DAYS } from './appointment-plan';
import type { ReminderPeriod } from '../reminders/reminder.repository';
import type { AppointmentRepository, SearchResult, SlotSearch } from './appointment.repository';
import { addDays, startOfUtcDay } from './slots';

/**
 * Days a start's first search covers: enough for the usual calendar (a weekend included), small
 * enough that the database checks few slots. A window that runs out doubles for the next one,
 * so a calendar full for months costs a few queries, not one per fortnight.
 */
const FIRST_WINDOW_DAYS = 4;

/** Where a request searches from: its resource and earliest start. */
export interface SearchStart {
  readonly resource: BookableResource;
  readonly from: Date;
}

/** One search start's progress: the free slots found so far and where the next window starts. */
interface SearchState extends SearchStart {
  readonly horizon: Date;
  readonly found: Date[];
  next: Date;
  windowDays: number;
}

/**
 * The first free slots of a batch's requests, found with as few queries as the calendar allows:
 * one query searches every distinct start of the batch (and counts the patients' appointments
 * per day); a start whose window runs out searches its next window alone. A slot handed out
 * ({@link take}) is not offered again, so the batch books as if its records came one by one.
 */
export class SlotFinder {
  private readonly states = new Map<string, SearchState>();
  private readonly taken = new Set<string>();
  /** Requests per resource: no search needs more free slots than its resource's requests. */
  private readonly wanted = new Map<BookableResource, number>();

  private constructor(
    private readonly manager: EntityManager,
    private readonly repository: AppointmentRepository,
  ) {}

  /**
   * Searches every start at once; resolves with the finder, the patients' day counts and, when
   * `reminders` is given, the periods of their reminders running on some day of it.
   */
  static async open(
    manager: EntityManager,
    repository: AppointmentRepository,
    starts: readonly SearchStart[],
    patientIds: readonly string[],
    reminders?: ReminderPeriod,
  ): Promise<{ finder: SlotFinder } & Omit<SearchResult, 'free'>> {
    const finder = new SlotFinder(manager, repository);
    for (const start of starts) {
      finder.wanted.set(start.resource, (finder.wanted.get(start.resource) ?? 0) + 1);
      const key = keyOf(start.resource, start.from);
      if (!finder.states.has(key)) {
        const horizon = addDays(start.from, SEARCH_HORIZON_DAYS);
        finder.states.set(key, {
          ...start,
          horizon,
          found: [],
          next: start.from,
          windowDays: FIRST_WINDOW_DAYS,
        });
      }
    }
    const states = [...finder.states.values()];
    const searches = states.map((state) => finder.window(state));
    const earliest = Math.min(...starts.map((start) => start.from.getTime()));
    const { free, ...read } = await repository.search(manager, searches, {
      patientIds,
      from: startOfUtcDay(new Date(earliest)),
      ...(reminders ? { reminders } : {}),
    });
    states.forEach((state, i) => finder.absorb(state, searches[i], free[i]));
    return { finder, ...read };
  }

  /**
   * The first free slot from the start not handed out yet; searches further windows when needed.
   * @throws NoFreeSlotError when none is free within the search horizon.
   */
  async first(start: SearchStart): Promise<Date> {
    const state = this.states.get(keyOf(start.resource, start.from));
    if (!state) throw new TypeError('SlotFinder.first: a start the finder was not opened with');
    for (;;) {
      const slot = state.found.find((found) => !this.taken.has(keyOf(state.resource, found)));
      if (slot) return slot;
      if (state.next >= state.horizon) throw new NoFreeSlotError(state.resource);
      const search = this.window(state);
      const { free } = await this.repository.search(this.manager, [search]);
      this.absorb(state, search, free[0]);
    }
  }

  /** Hands a slot out: no later request of the batch gets it. */
  take(resource: BookableResource, slot: Date): void {
    this.taken.add(keyOf(resource, slot));
  }

  private window(state: SearchState): SlotSearch {
    const until = addDays(state.next, state.windowDays);
    return {
      resource: state.resource,
      schedule: scheduleOf(state.resource),
      from: state.next,
      until: until < state.horizon ? until : state.horizon,
      wanted: this.wanted.get(state.resource)!,
    };
  }

  /** Keeps a window's free slots; the next window starts after them, or after the window (twice as long) if it ran out. */
  private absorb(state: SearchState, search: SlotSearch, free: readonly Date[]): void {
    state.found.push(...free);
    if (free.length < search.wanted) {
      state.next = search.until;
      state.windowDays *= 2;
    } else {
      state.next = new Date(free[free.length - 1].getTime() + 1);
    }
  }
}

function keyOf(resource: BookableResource, instant: Date): string {
  return `${resource} ${instant.getTime()}`;
}
