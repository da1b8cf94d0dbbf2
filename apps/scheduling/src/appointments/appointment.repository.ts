import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, LessThan, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { Appointment, type BookableResource } from './appointment.entity';
import { addDays } from './slots';

/** An appointment to book: everything but what the database assigns. */
export type NewAppointment = Omit<Appointment, 'id' | 'createdAt'>;

/** Where appointments are booked and read: the queries, none of the booking rules. */
@Injectable()
export class AppointmentRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the appointment's slot with `INSERT ... ON CONFLICT DO NOTHING`, inside the caller's
   * transaction: the booked appointment, or undefined when the slot is taken (by a concurrent
   * transaction too: Postgres waits for it, then reports the conflict).
   */
  async claimSlot(manager: EntityManager, slot: NewAppointment): Promise<Appointment | undefined> {
    const rows: Array<{ id: string; created_at: Date }> = await manager.query(
      `INSERT INTO appointments (kind, resource, loinc, patient_id, record_id, event_id, entered_by, slot_start, slot_end)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (resource, slot_start) DO NOTHING
       RETURNING id, created_at`,
      [
        slot.kind,
        slot.resource,
        slot.loinc,
        slot.patientId,
        slot.recordId,
        slot.eventId,
        slot.enteredBy,
        slot.slotStart,
        slot.slotEnd,
      ],
    );
    if (rows.length !== 1) return undefined;
    return manager.create(Appointment, { ...slot, id: rows[0].id, createdAt: rows[0].created_at });
  }

  /** How many appointments (any resource) the patient holds on the UTC day starting at `day`. */
  async countOnDay(manager: EntityManager, patientId: string, day: Date): Promise<number> {
    const [{ count }] = await manager.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM appointments WHERE patient_id = $1 AND slot_start >= $2 AND slot_start < $3',
      [patientId, day, addDays(day, 1)],
    );
    return count;
  }

  /** Starts (epoch ms) of the booked slots of a resource in `[from, until)`. */
  async takenSlots(
    manager: EntityManager,
    resource: BookableResource,
    from: Date,
    until: Date,
  ): Promise<Set<number>> {
    const rows: Array<{ slot_start: Date }> = await manager.query(
      'SELECT slot_start FROM appointments WHERE resource = $1 AND slot_start >= $2 AND slot_start < $3',
      [resource, from, until],
    );
    return new Set(rows.map((row) => row.slot_start.getTime()));
  }

  /** A patient's appointments, earliest slot first. */
  async byPatient(patientId: string): Promise<Appointment[]> {
    return this.dataSource.getRepository(Appointment).find({
      where: { patientId },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }

  /** Every appointment whose slot starts in `[start, end)`, earliest first. */
  async startingIn(start: Date, end: Date): Promise<Appointment[]> {
    return this.dataSource.getRepository(Appointment).find({
      where: { slotStart: And(MoreThanOrEqual(start), LessThan(end)) },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }
}
