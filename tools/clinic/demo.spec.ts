import { reminderTimesLine } from './demo';

describe("the demo's reminder line", () => {
  it('names the time zone of the times of day', () => {
    const reminders = ['06:00', '14:00', '22:00'].map((timeOfDay) => ({ timeOfDay, timeZone: 'UTC' }));
    expect(reminderTimesLine(reminders)).toBe(
      "3 medication reminder(s): 06:00, 14:00, 22:00 (UTC, the clinic's time zone)",
    );
  });

  it("takes the zone from the answer, and the clinic's zone when the answer has none", () => {
    expect(reminderTimesLine([{ timeOfDay: '08:00', timeZone: 'America/Chicago' }])).toContain(
      '08:00 (America/Chicago,',
    );
    expect(reminderTimesLine([{ timeOfDay: '08:00' }])).toContain('08:00 (UTC,');
  });
});
