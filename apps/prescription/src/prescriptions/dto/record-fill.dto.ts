import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  buildMessage,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsRFC3339,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { IsCalendarDateTime, IsPlainText } from '@app/platform';
import { CLOCK_SKEW_MS } from '../prescription-rules';

/**
 * Upper bound of one fill, in units: the contract's largest quantity (1,000) times the first fill
 * plus its largest number of refills (12). The prescription's own limit is checked by the service.
 */
const MAX_FILL_UNITS = 13_000;

/** The value is a date-time no later than now (plus {@link CLOCK_SKEW_MS} of clock drift). */
export function IsNotInFuture(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotInFuture',
      validator: {
        validate: (value: unknown) => {
          const at = typeof value === 'string' ? Date.parse(value) : NaN;
          return !Number.isNaN(at) && at <= Date.now() + CLOCK_SKEW_MS;
        },
        defaultMessage: buildMessage(
          (each) => `${each}$property must not be in the future`,
          validationOptions,
        ),
      },
    },
    validationOptions,
  );
}

/** A pharmacy's report that it dispensed a prescription (`POST /prescriptions/:id/fills`). */
export class RecordFillDto {
  @ApiPropertyOptional({
    example: 'pharm-001',
    description:
      "Optional: the fill's pharmacy is the signed-in pharmacist's own (their token's pharmacy claim). " +
      'If sent, it must be that pharmacy (else 403 PHARMACY_NOT_YOURS); the prescription must have been transmitted to it (else 403 PHARMACY_MISMATCH).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @IsPlainText()
  pharmacyId?: string;

  @ApiProperty({ example: 21, minimum: 1, maximum: MAX_FILL_UNITS, description: 'Units dispensed' })
  @IsInt()
  @Min(1)
  @Max(MAX_FILL_UNITS)
  quantity!: number;

  @ApiProperty({
    example: '2026-11-28T15:04:05Z',
    description: 'When it was dispensed: RFC 3339 date-time with offset, not in the future',
  })
  @IsRFC3339()
  // A real day of the calendar from 1900 (RFC 3339's pattern admits 2026-02-31).
  @IsCalendarDateTime('2026-11-28T15:04:05Z')
  @IsNotInFuture()
  filledAt!: string;
}
