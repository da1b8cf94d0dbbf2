/**
 * Pure slot arithmetic over weekly opening hours. All instants are UTC; the catalogue's clinic
 * time zone is UTC, so the catalogue's wall-clock opening times are UTC times too (a spec pins
 * this assumption, since a different zone would need a time-zone library here).
 */

/** Weekly opening hours of one bookable resource (the shape of `OPENING_HOURS.*`). */
export interface SlotSchedule {
  /** ISO weekdays the resource opens: Monday 1 ... Sunday 7. */
  readonly days: readonly number[];
  /** Opening time, `HH:MM`. */
  readonly open: string;
  /** Closing time, `HH:MM`: the last slot ends at or before it. */
  readonly close: string;
  readonly slotMinutes: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 24 * 60 * MS_PER_MINUTE;

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOfDay(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new TypeError(`Expected a time of day as HH:MM, got "${time}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Midnight (UTC) of the day an instant falls on. */
export function startOfUtcDay(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / MS_PER_DAY) * MS_PER_DAY);
}

/** The instant `days` whole days later. */
export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * MS_PER_DAY);
}

/** `YYYY-MM-DD` of the (UTC) day an instant falls on. */
export function isoDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** ISO weekday (Monday 1 ... Sunday 7) of an instant, in UTC. */
export function isoWeekday(instant: Date): number {
  const day = instant.getUTCDay();
  return day === 0 ? 7 : day;
}

/** When a slot that starts at `start` ends. */
export function slotEnd(start: Date, schedule: SlotSchedule): Date {
  return new Date(start.getTime() + schedule.slotMinutes * MS_PER_MINUTE);
}

/** The slot starts of one day, in order; none on a closed day. `day` is any instant of that day. */
export function slotsOfDay(day: Date, schedule: SlotSchedule): Date[] {
  const midnight = startOfUtcDay(day);
  if (!schedule.days.includes(isoWeekday(midnight))) return [];
  const slots: Date[] = [];
  const close = minutesOfDay(schedule.close);
  // A slot must end by closing time: a 30-minute slot never starts at 16:45 before a 17:00 close.
  for (let m = minutesOfDay(schedule.open); m + schedule.slotMinutes <= close; m += schedule.slotMinutes) {
    slots.push(new Date(midnight.getTime() + m * MS_PER_MINUTE));
  }
  return slots;
}

/** Slot starts `s` with `from <= s < until`, in order, skipping closed days. */
export function* openSlots(from: Date, schedule: SlotSchedule, until: Date): Generator<Date> {
  for (let day = startOfUtcDay(from); day < until; day = addDays(day, 1)) {
    for (const slot of slotsOfDay(day, schedule)) {
      if (slot >= until) return;
      if (slot >= from) yield slot;
    }
  }
}

/** Like {@link openSlots}, minus the slots whose start (epoch ms) is in `taken`. */
export function* freeSlots(
  from: Date,
  schedule: SlotSchedule,
  taken: ReadonlySet<number>,
  until: Date,
): Generator<Date> {
  for (const slot of openSlots(from, schedule, until)) {
    if (!taken.has(slot.getTime())) yield slot;
  }
}

/** The first slot at or after `from`, before `until`, whose start is not in `taken`. */
export function firstFreeSlot(
  from: Date,
  schedule: SlotSchedule,
  taken: ReadonlySet<number>,
  until: Date,
): Date | undefined {
  for (const slot of freeSlots(from, schedule, taken, until)) return slot;
  return undefined;
}

/**
 * The first time the resource opens strictly after `after` (a day's opening time), before
 * `until`. Already open at `after` does not count: the next opening is a later day's.
 */
export function nextOpening(after: Date, schedule: SlotSchedule, until: Date): Date | undefined {
  for (let day = startOfUtcDay(after); day < until; day = addDays(day, 1)) {
    const [first] = slotsOfDay(day, schedule);
    if (first && first > after && first < until) return first;
  }
  return undefined;
}

/**
 * The schedule as numbers, for a search that runs in the database: opening minute, slot length,
 * slots a day (as {@link slotsOfDay} cuts them) and the open ISO weekdays as bits (`1 << day`).
 */
export interface SlotGrid {
  readonly openMinute: number;
  readonly slotMinutes: number;
  readonly slotsPerDay: number;
  readonly weekdayBits: number;
}

/** {@link SlotGrid} of a schedule. */
export function slotGrid(schedule: SlotSchedule): SlotGrid {
  const openMinute = minutesOfDay(schedule.open);
  const span = minutesOfDay(schedule.close) - openMinute;
  return {
    openMinute,
    slotMinutes: schedule.slotMinutes,
    slotsPerDay: Math.max(0, Math.floor(span / schedule.slotMinutes)),
    weekdayBits: schedule.days.reduce((bits, day) => bits | (1 << day), 0),
  };
}
