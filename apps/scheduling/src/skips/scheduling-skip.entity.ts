import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a skip would have been: an appointment of a kind, or a medication reminder. */
export type SkippedKind = 'follow-up' | 'lab' | 'reminder';

/** Why Scheduling did not book or plan something a record asked for. */
export enum SkipReason {
  /** The patient already has the most appointments a day allows on the day it would fall. */
  DailyAppointmentLimit = 'DAILY_APPOINTMENT_LIMIT',
  /** The patient already has the most medication reminders allowed over its period. */
  ActiveReminderLimit = 'ACTIVE_REMINDER_LIMIT',
}

/**
 * A booking or reminder a per-patient bound refused. Kept, not dropped, so that a scheduler
 * sees it (`GET /patients/:id/scheduling-skips`) and can book by hand if it is genuine.
 */
@Entity({ name: 'scheduling_skips' })
export class SchedulingSkip {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('uuid', { name: 'record_id' })
  recordId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text')
  kind!: SkippedKind;

  /** LOINC code of a skipped lab appointment, RxNorm of a skipped reminder; null for a follow-up. */
  @Column('text', { nullable: true })
  code!: string | null;

  /** The day (`YYYY-MM-DD`) it would have fallen on (a reminder: its first day). */
  @Column('date')
  day!: string;

  @Column('text')
  reason!: SkipReason;

  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
