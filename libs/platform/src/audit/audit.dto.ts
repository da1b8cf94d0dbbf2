import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  buildMessage,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { parseCalendarDateTime } from '../http/validators';
import type { AuditChainBreak } from './audit-chain';
import type { AuditRow } from './audit-hash';

/** Most entries one page of `GET /audit` returns. */
export const AUDIT_PAGE_MAX = 500;
/** Entries per page of `GET /audit` when `limit` is not given. */
export const AUDIT_PAGE_DEFAULT = 100;

/** The orders `GET /audit` lists in. */
export const AUDIT_ORDERS = ['asc', 'desc'] as const;
export type AuditOrder = (typeof AUDIT_ORDERS)[number];

/** An RFC 3339 date-time with an offset (`2026-11-29T09:30:00Z`); the message names the field. */
function IsRfc3339(): PropertyDecorator {
  return ValidateBy({
    name: 'isRfc3339',
    validator: {
      validate: (value: unknown) => parseCalendarDateTime(value) !== undefined,
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be an RFC 3339 date-time with an offset, such as 2026-11-29T09:30:00Z`,
      ),
    },
  });
}

/** Filters of `GET /audit`. Every message names its field, never the value sent. */
export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Entries about this patient (UUID)' })
  @IsOptional()
  @IsUUID('all', { message: 'patientId must be a UUID' })
  patientId?: string;

  @ApiPropertyOptional({ description: "Entries of this person (the token's subject)" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:|-]{1,128}$/, {
    message: 'subject must be a subject id (letters, digits, . _ : | -, at most 128)',
  })
  subject?: string;

  @ApiPropertyOptional({
    description: 'Entries at or after this time (RFC 3339)',
    example: '2026-11-29T00:00:00Z',
  })
  @IsOptional()
  @IsRfc3339()
  from?: string;

  @ApiPropertyOptional({
    description: 'Entries before this time (RFC 3339)',
    example: '2026-11-30T00:00:00Z',
  })
  @IsOptional()
  @IsRfc3339()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: `limit must be between 1 and ${AUDIT_PAGE_MAX}` })
  @Max(AUDIT_PAGE_MAX, { message: `limit must be between 1 and ${AUDIT_PAGE_MAX}` })
  limit?: number;

  @ApiPropertyOptional({
    description:
      "The previous page's `nextAfter`: entries that follow this seq in the chosen order (greater seqs oldest first, smaller ones newest first)",
  })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'after must be a seq (a whole number)' })
  after?: string;

  @ApiPropertyOptional({
    enum: AUDIT_ORDERS,
    default: 'asc',
    description: '`asc`: oldest first, chain order; `desc`: newest first (a screen showing the latest)',
  })
  @IsOptional()
  @IsIn(AUDIT_ORDERS, { message: `order must be one of: ${AUDIT_ORDERS.join(', ')}` })
  order?: AuditOrder;
}

/** One audit entry as the privacy officer sees it: the stored columns, the chain fields included. */
export class AuditEntryView {
  @ApiProperty({ description: 'Position in the chain (decimal text: a bigint)', example: '42' })
  seq!: string;
  @ApiProperty({ example: '2026-11-29T20:41:07.123000Z' })
  at!: string;
  @ApiProperty({ example: 'emr' })
  app!: string;
  @ApiProperty({ nullable: true, type: String, description: "The person's subject id; null for a 401" })
  subject!: string | null;
  @ApiProperty({ type: [String] })
  roles!: string[];
  @ApiProperty({ example: 'read' })
  action!: string;
  @ApiProperty({ example: 'record' })
  resourceType!: string;
  @ApiProperty({ nullable: true, type: String })
  resourceId!: string | null;
  @ApiProperty({ nullable: true, type: String })
  patientId!: string | null;
  @ApiProperty({ description: 'HTTP status the caller got', example: 200 })
  outcome!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Why access was refused' })
  refusal!: string | null;
  @ApiProperty({ nullable: true, type: String })
  clientAddress!: string | null;
  @ApiProperty()
  requestId!: string;
  @ApiProperty({ example: '/patients/:id/records' })
  route!: string;
  @ApiProperty({ description: 'Hash of the previous entry (64 zeros for the first)' })
  prevHash!: string;
  @ApiProperty({ description: 'SHA-256 over this entry and prevHash' })
  hash!: string;

  static of(row: AuditRow): AuditEntryView {
    return Object.assign(new AuditEntryView(), { ...row, roles: [...row.roles] });
  }
}

/** A page of `GET /audit`, oldest first (or newest first with `order=desc`). */
export class AuditPageView {
  @ApiProperty({ type: [AuditEntryView] })
  entries!: AuditEntryView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `after` for the next page; null on the last page',
  })
  nextAfter!: string | null;
}

/** Where an app's audit chain first breaks. */
export class AuditChainBreakView {
  @ApiProperty({ example: '42', description: 'The first entry that does not follow from the one before it' })
  seq!: string;
  @ApiProperty({ enum: ['hash mismatch', 'prev-hash mismatch', 'seq gap', 'seq out of order'] })
  reason!: AuditChainBreak;
}

/** `GET /audit/verification`: the app's whole chain re-computed from its database. */
export class AuditVerificationView {
  @ApiProperty({ example: 'emr' })
  app!: string;
  @ApiProperty({ description: 'Entries checked: all of them when verified, up to the broken one otherwise' })
  entries!: number;
  @ApiProperty({ description: 'Every hash and link holds, and seqs run 1, 2, 3... without a gap' })
  verified!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The seq of the last entry checked (null for an empty trail)',
  })
  lastSeq!: string | null;
  @ApiPropertyOptional({ type: AuditChainBreakView })
  firstBroken?: AuditChainBreakView;
  @ApiProperty({ description: 'When the check ran (RFC 3339)' })
  checkedAt!: string;
}
