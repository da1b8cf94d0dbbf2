import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate, IsCalendarDateTime, IsPlainText } from '@app/platform';

/**
 * How far ahead a visit may be dated, in days: a record is entered for a visit that happened or
 * is booked; a year ahead covers any booking, and keeps derived dates (follow-ups, lab slots,
 * reminders) inside what every downstream system can store.
 */
export const VISIT_MAX_DAYS_AHEAD = 366;

export class VisitDto {
  @ApiProperty({ example: 'office-visit-established', description: 'A visit type of the catalogue' })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  type!: string;

  @ApiProperty({
    example: '2026-11-28T09:30:00Z',
    description: `RFC 3339 date-time with offset, from 1900 to ${VISIT_MAX_DAYS_AHEAD} days ahead`,
  })
  @IsCalendarDateTime('2026-11-28T09:30:00Z', { maxDaysAhead: VISIT_MAX_DAYS_AHEAD })
  date!: string;
}

export class ProcedureDto {
  @ApiProperty({ example: '36415' })
  @Matches(/^\d{4}[0-9A-Z]$/, { message: 'cptCode must be a CPT code such as 36415' })
  cptCode!: string;
}

export class DiagnosisDto {
  @ApiProperty({ example: 'J06.9' })
  @Matches(/^[A-TV-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$/, {
    message: 'icd10 must be an ICD-10 code such as J06.9',
  })
  icd10!: string;
}

export class MedicationDto {
  @ApiProperty({ example: '308182', description: 'RxNorm concept id' })
  @Matches(/^\d{1,8}$/, { message: 'rxnorm must be an RxNorm concept id (digits)' })
  rxnorm!: string;

  @ApiProperty({ example: '500 mg' })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  dose!: string;

  @ApiProperty({ example: 'every 8 hours', description: 'A frequency of the catalogue' })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  frequency!: string;

  @ApiProperty({ example: 21 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @ApiProperty({ example: 0 })
  @IsInt()
  @Min(0)
  @Max(12)
  refills!: number;

  @ApiProperty({ example: 'pharm-001', description: "The patient's chosen pharmacy" })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  pharmacyId!: string;
}

export class ImmunizationDto {
  @ApiProperty({ example: '140', description: 'CVX vaccine code' })
  @Matches(/^\d{1,3}$/, { message: 'cvx must be a CVX code (digits)' })
  cvx!: string;

  @ApiProperty({ example: '2026-11-28', description: 'Calendar date, from 1900-01-01 to today' })
  @IsCalendarDate('2026-11-28')
  date!: string;
}

export class LabOrderDto {
  @ApiProperty({ example: '6690-2', description: 'LOINC code' })
  @Matches(/^\d{1,5}-\d$/, { message: 'loinc must be a LOINC code such as 6690-2' })
  loinc!: string;
}

export class LabResultDto {
  @ApiProperty({ example: '2345-7' })
  @Matches(/^\d{1,5}-\d$/, { message: 'loinc must be a LOINC code such as 2345-7' })
  loinc!: string;

  @ApiProperty({ example: '98' })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  value!: string;

  @ApiProperty({ example: 'mg/dL' })
  @IsString()
  @Length(1, 32)
  @IsPlainText()
  unit!: string;

  @ApiPropertyOptional({ example: 'N' })
  @IsOptional()
  @IsString()
  @Length(1, 8)
  @IsPlainText()
  flag?: string;
}

/**
 * Most items of each list of one record. A visit rarely needs more than a handful; the bounds
 * keep one request from booking a patient's lab days away or flooding the pharmacy (lab orders
 * become lab appointments one by one: 6 requests of 50 orders once moved a patient's lab
 * appointment by weeks).
 */
export const RECORD_LIST_LIMITS = {
  procedures: 20,
  diagnoses: 20,
  medications: 20,
  immunizations: 20,
  labOrders: 10,
  labResults: 50,
} as const;

const list = (type: () => new () => object, max: number) => [
  IsArray(),
  ArrayMaxSize(max),
  // ValidateNested lets a nested list through as an item: each item must be an object.
  IsObject({ each: true, message: 'each value in $property must be an object' }),
  ValidateNested({ each: true }),
  Type(type),
];
const apply =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) =>
    decorators.forEach((d) => d(target, key));

/** A medical record entered by a physician for one visit. */
export class CreateRecordDto {
  @ApiProperty({ example: 'phy-001', description: 'A physician of the catalogue' })
  @IsString()
  @Length(1, 64)
  @IsPlainText()
  physicianId!: string;

  @ApiProperty({ type: VisitDto })
  // ValidateNested alone lets a missing visit through (it validates what is there).
  @IsObject()
  @ValidateNested()
  @Type(() => VisitDto)
  visit!: VisitDto;

  @ApiPropertyOptional({ type: [ProcedureDto], maxItems: RECORD_LIST_LIMITS.procedures })
  @IsOptional()
  @apply(...list(() => ProcedureDto, RECORD_LIST_LIMITS.procedures))
  procedures?: ProcedureDto[];

  @ApiProperty({ type: [DiagnosisDto], maxItems: RECORD_LIST_LIMITS.diagnoses })
  @apply(...list(() => DiagnosisDto, RECORD_LIST_LIMITS.diagnoses))
  diagnoses!: DiagnosisDto[];

  @ApiPropertyOptional({ type: [MedicationDto], maxItems: RECORD_LIST_LIMITS.medications })
  @IsOptional()
  @apply(...list(() => MedicationDto, RECORD_LIST_LIMITS.medications))
  medications?: MedicationDto[];

  @ApiPropertyOptional({ type: [ImmunizationDto], maxItems: RECORD_LIST_LIMITS.immunizations })
  @IsOptional()
  @apply(...list(() => ImmunizationDto, RECORD_LIST_LIMITS.immunizations))
  immunizations?: ImmunizationDto[];

  @ApiPropertyOptional({ type: [LabOrderDto], maxItems: RECORD_LIST_LIMITS.labOrders })
  @IsOptional()
  @apply(...list(() => LabOrderDto, RECORD_LIST_LIMITS.labOrders))
  labOrders?: LabOrderDto[];

  @ApiPropertyOptional({ type: [LabResultDto], maxItems: RECORD_LIST_LIMITS.labResults })
  @IsOptional()
  @apply(...list(() => LabResultDto, RECORD_LIST_LIMITS.labResults))
  labResults?: LabResultDto[];

  @ApiPropertyOptional({ example: 14, description: 'Days until the follow-up visit' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  followUpDays?: number;

  @ApiPropertyOptional({ example: 'Synthetic note.', description: 'Stays in the EMR; never published' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @IsPlainText({ multiline: true })
  note?: string;

  @ApiPropertyOptional({ example: true, description: 'Default: true (telehealth too)' })
  @IsOptional()
  @IsBoolean()
  billable?: boolean;
}
