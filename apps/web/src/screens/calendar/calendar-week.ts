/**
 * The scheduler's calendar week: Monday to Sunday in the clinic's zone (UTC, as Scheduling's
 * slots are). Only dates travel in the URL (`?week=2026-11-30`), never a name.
 */

const MS_PER_DAY = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` that is a real calendar day, as UTC midnight in ms; otherwise undefined. */
export function dayOf(value: string | undefined): number | undefined {
  const match = value ? DAY.exec(value) : null;
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number);
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d
    ? ms
    : undefined;
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The week holding a day: its Monday and the seven days, with the neighbouring weeks' Mondays. */
export interface CalendarWeek {
  readonly monday: string;
  readonly sunday: string;
  readonly days: readonly string[];
  readonly previous: string;
  readonly next: string;
}

/** The week holding `day` (a `YYYY-MM-DD`; today when absent or not a day). */
export function weekOf(day: string | undefined, now: number = Date.now()): CalendarWeek {
  const ms = dayOf(day) ?? Math.floor(now / MS_PER_DAY) * MS_PER_DAY;
  // getUTCDay: Sunday 0 ... Saturday 6; the clinic's week starts on Monday.
  const monday = ms - ((new Date(ms).getUTCDay() + 6) % 7) * MS_PER_DAY;
  const days = Array.from({ length: 7 }, (_, i) => isoDay(monday + i * MS_PER_DAY));
  return {
    monday: days[0],
    sunday: days[6],
    days,
    previous: isoDay(monday - 7 * MS_PER_DAY),
    next: isoDay(monday + 7 * MS_PER_DAY),
  };
}

/** "Mon, 30 Nov 2026" for a `YYYY-MM-DD` ("Mon, 30 Nov" without the year, for a day's column). */
export function dayLabel(day: string, withYear = true): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  });
}

/** "09:30" of an instant, in UTC. */
export const timeOf = (iso: string) => new Date(iso).toISOString().slice(11, 16);
