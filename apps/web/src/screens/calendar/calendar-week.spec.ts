import { dayLabel, dayOf, timeOf, weekOf } from './calendar-week';

describe('the calendar week', () => {
  it('runs Monday to Sunday around the given day, with the neighbouring Mondays', () => {
    // 2026-12-02 is a Wednesday.
    expect(weekOf('2026-12-02')).toEqual({
      monday: '2026-11-30',
      sunday: '2026-12-06',
      days: [
        '2026-11-30',
        '2026-12-01',
        '2026-12-02',
        '2026-12-03',
        '2026-12-04',
        '2026-12-05',
        '2026-12-06',
      ],
      previous: '2026-11-23',
      next: '2026-12-07',
    });
    expect(weekOf('2026-11-30').monday).toBe('2026-11-30');
    expect(weekOf('2026-12-06').monday).toBe('2026-11-30');
    // Across a year's end.
    expect(weekOf('2027-01-01')).toMatchObject({ monday: '2026-12-28', sunday: '2027-01-03' });
  });

  it('is this week for no day, or for a value that is not a real day', () => {
    const now = Date.UTC(2026, 10, 29, 23, 59); // Sunday 2026-11-29, late
    expect(weekOf(undefined, now).monday).toBe('2026-11-23');
    expect(weekOf('2026-02-31', now).monday).toBe('2026-11-23');
    expect(weekOf('Smith', now).monday).toBe('2026-11-23');
    expect(dayOf('2026-02-28')).toBe(Date.UTC(2026, 1, 28));
    expect(dayOf('2026-2-28')).toBeUndefined();
  });

  it('names days and times in UTC', () => {
    expect(dayLabel('2026-11-30')).toBe('Mon, 30 Nov 2026');
    expect(dayLabel('2026-11-30', false)).toBe('Mon 30 Nov');
    expect(timeOf('2026-11-30T09:30:00.000Z')).toBe('09:30');
  });
});
