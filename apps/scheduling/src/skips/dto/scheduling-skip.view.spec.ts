import { SkipReason, type SchedulingSkip } from '../scheduling-skip.entity';
import { schedulingSkipView } from './scheduling-skip.view';

describe('schedulingSkipView (built field by field)', () => {
  it('shows what was skipped, when and why, and nothing the entity gains later', () => {
    const skip = {
      id: 's1',
      patientId: '44444444-4444-4444-8444-444444444444',
      recordId: '22222222-2222-4222-8222-222222222222',
      eventId: '33333333-3333-4333-8333-333333333333',
      kind: 'lab',
      code: '6690-2',
      day: '2026-12-01',
      reason: SkipReason.DailyAppointmentLimit,
      enteredBy: null,
      createdAt: new Date('2026-11-28T10:00:00Z'),
      note: 'a column added later',
    } as unknown as SchedulingSkip;
    const view = schedulingSkipView(skip);
    expect(view).toMatchObject({
      kind: 'lab',
      code: '6690-2',
      day: '2026-12-01',
      reason: 'DAILY_APPOINTMENT_LIMIT',
    });
    expect(view).not.toHaveProperty('note');
    expect(Object.keys(view)).toHaveLength(10);
  });
});
