import { CLINIC, OPENING_HOURS } from '@app/catalogue';
import {
  firstFreeSlot,
  minutesOfDay,
  nextOpening,
  openSlots,
  slotEnd,
  slotsOfDay,
  type SlotSchedule,
} from './slots';

const at = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());
const clinic = OPENING_HOURS.clinic;
const lab = OPENING_HOURS.lab;
// 2026-11-27 is a Friday, 28 a Saturday, 29 a Sunday, 30 a Monday.
const FAR = at('2027-12-31T00:00:00Z');

describe('slots', () => {
  it('relies on the clinic keeping UTC time, as the slot arithmetic assumes', () => {
    expect(CLINIC.timeZone).toBe('UTC');
  });

  it('cuts a clinic day into 30-minute slots from opening to closing', () => {
    const slots = iso(slotsOfDay(at('2026-11-30T15:00:00Z'), clinic));
    expect(slots).toHaveLength(18);
    expect(slots[0]).toBe('2026-11-30T08:00:00.000Z');
    expect(slots[17]).toBe('2026-11-30T16:30:00.000Z');
    expect(slotEnd(at(slots[17]), clinic).toISOString()).toBe('2026-11-30T17:00:00.000Z');
  });

  it('opens the lab on Saturday mornings in 15-minute slots, and neither on Sunday', () => {
    const saturday = iso(slotsOfDay(at('2026-11-28T00:00:00Z'), lab));
    expect(saturday).toHaveLength(20);
    expect([saturday[0], saturday[19]]).toEqual(['2026-11-28T07:00:00.000Z', '2026-11-28T11:45:00.000Z']);
    expect(slotsOfDay(at('2026-11-28T00:00:00Z'), clinic)).toEqual([]);
    expect(slotsOfDay(at('2026-11-29T10:00:00Z'), lab)).toEqual([]);
    expect(slotsOfDay(at('2026-11-29T10:00:00Z'), clinic)).toEqual([]);
  });

  it('never lets a slot run past closing time', () => {
    const short: SlotSchedule = { days: [1], open: '08:00', close: '09:15', slotMinutes: 30 };
    expect(iso(slotsOfDay(at('2026-11-30T00:00:00Z'), short))).toEqual([
      '2026-11-30T08:00:00.000Z',
      '2026-11-30T08:30:00.000Z',
    ]);
  });

  it('lists slots from an instant on, skipping the weekend', () => {
    const slots = openSlots(at('2026-11-27T16:10:00Z'), clinic, FAR);
    const firstThree = [slots.next().value, slots.next().value, slots.next().value] as Date[];
    expect(iso(firstThree)).toEqual([
      '2026-11-27T16:30:00.000Z',
      '2026-11-30T08:00:00.000Z',
      '2026-11-30T08:30:00.000Z',
    ]);
  });

  it('finds the first slot not taken, moving to the next open day when one is full', () => {
    const friday = slotsOfDay(at('2026-11-27T00:00:00Z'), clinic);
    const taken = new Set(friday.map((s) => s.getTime()));
    taken.delete(friday[5].getTime());
    const from = at('2026-11-27T00:00:00Z');
    expect(firstFreeSlot(from, clinic, taken, FAR)?.toISOString()).toBe('2026-11-27T10:30:00.000Z');
    taken.add(friday[5].getTime());
    expect(firstFreeSlot(from, clinic, taken, FAR)?.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('gives up at the end of the search window', () => {
    const from = at('2026-11-28T00:00:00Z');
    expect(firstFreeSlot(from, clinic, new Set(), at('2026-11-30T08:00:00Z'))).toBeUndefined();
    expect(firstFreeSlot(from, clinic, new Set(), at('2026-11-30T08:00:01Z'))?.toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('finds the next opening strictly after an instant', () => {
    const next = (instant: string, schedule: SlotSchedule = lab) =>
      nextOpening(at(instant), schedule, FAR)?.toISOString();
    expect(next('2026-11-25T06:00:00Z')).toBe('2026-11-25T07:00:00.000Z');
    // Already open: the next opening is the next day's.
    expect(next('2026-11-25T07:00:00Z')).toBe('2026-11-26T07:00:00.000Z');
    expect(next('2026-11-25T09:30:00Z')).toBe('2026-11-26T07:00:00.000Z');
    // Saturday after the lab: Sunday is closed.
    expect(next('2026-11-28T09:30:00Z')).toBe('2026-11-30T07:00:00.000Z');
    expect(next('2026-11-27T18:00:00Z', clinic)).toBe('2026-11-30T08:00:00.000Z');
    expect(nextOpening(at('2026-11-25T09:30:00Z'), { ...lab, days: [] }, FAR)).toBeUndefined();
  });

  it('refuses a malformed time of day', () => {
    expect(minutesOfDay('17:30')).toBe(1050);
    expect(() => minutesOfDay('24:00')).toThrow(/HH:MM/);
    expect(() => minutesOfDay('8:00')).toThrow(/HH:MM/);
  });
});
