import { ApiProperty } from '@nestjs/swagger';
import { SkipReason, type SchedulingSkip, type SkippedKind } from '../scheduling-skip.entity';

/** A booking or reminder that a per-patient bound refused, with the reason, for a scheduler to review. */
export class SchedulingSkipView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ format: 'uuid' })
  recordId!: string;
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty({ enum: ['follow-up', 'lab', 'reminder'] })
  kind!: SkippedKind;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'LOINC of a lab appointment, RxNorm of a reminder, null for a follow-up',
  })
  code!: string | null;
  @ApiProperty({
    example: '2026-11-26',
    description: 'The day it would have fallen on (a reminder: its first day)',
  })
  day!: string;
  @ApiProperty({ enum: SkipReason })
  reason!: SkipReason;
  @ApiProperty({ nullable: true, type: String, description: 'Subject id of who entered the record' })
  enteredBy!: string | null;
  @ApiProperty()
  createdAt!: Date;
}

export function schedulingSkipView(skip: SchedulingSkip): SchedulingSkipView {
  return {
    id: skip.id,
    patientId: skip.patientId,
    recordId: skip.recordId,
    eventId: skip.eventId,
    kind: skip.kind,
    code: skip.code,
    day: skip.day,
    reason: skip.reason,
    enteredBy: skip.enteredBy,
    createdAt: skip.createdAt,
  };
}
