import { ApiProperty } from '@nestjs/swagger';
import { buildMessage, ValidateBy, type ValidationArguments } from 'class-validator';
import { parseCalendarDate } from '@app/platform';

/** The longest calendar one request reads, in days, both ends included: two months (July + August). */
export const CALENDAR_MAX_DAYS = 62;

const MS_PER_DAY = 86_400_000;

/** A `YYYY-MM-DD` day of the calendar, any year; the message names the field, never the value. */
function IsDay(): PropertyDecorator {
  return ValidateBy({
    name: 'isDay',
    validator: {
      validate: (value: unknown) => parseCalendarDate(value) !== undefined,
      defaultMessage: buildMessage((each) => `${each}$property must be a calendar date such as 2026-11-30`),
    },
  });
}

/** `to` on or after `from`, and at most {@link CALENDAR_MAX_DAYS} days with both ends counted. */
function IsWithinRangeOf(fromField: 'from'): PropertyDecorator {
  return ValidateBy({
    name: 'isWithinRange',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const to = parseCalendarDate(value);
        const from = parseCalendarDate((args?.object as Record<string, unknown>)[fromField]);
        // A malformed end is reported by its own rule, once.
        if (to === undefined || from === undefined) return true;
        return to >= from && (to - from) / MS_PER_DAY + 1 <= CALENDAR_MAX_DAYS;
      },
      defaultMessage: buildMessage((each, args) => {
        const to = parseCalendarDate(args?.value);
        const from = parseCalendarDate((args?.object as Record<string, unknown>)[fromField]);
        return to !== undefined && from !== undefined && to < from
          ? `${each}$property must be on or after ${fromField}`
          : `${each}$property must be at most ${CALENDAR_MAX_DAYS - 1} days after ${fromField} (${CALENDAR_MAX_DAYS} days in all)`;
      }),
    },
  });
}

/**
 * A calendar's worth of days, `from` to `to`, both included (UTC days: the clinic's time zone
 * is UTC, see slots.ts). Both are required: a calendar without bounds is an export.
 */
export class DateRangeQuery {
  @ApiProperty({ example: '2026-11-30', description: 'First day, YYYY-MM-DD (UTC)' })
  @IsDay()
  from!: string;

  @ApiProperty({
    example: '2026-12-06',
    description: `Last day, YYYY-MM-DD (UTC), included; on or after from, at most ${CALENDAR_MAX_DAYS} days in all`,
  })
  @IsDay()
  @IsWithinRangeOf('from')
  to!: string;
}

/** The instants `[start, end)` a range covers: midnight UTC of `from` to midnight after `to`. */
export function instantsOf(range: DateRangeQuery): { readonly start: Date; readonly end: Date } {
  return {
    start: new Date(parseCalendarDate(range.from)!),
    end: new Date(parseCalendarDate(range.to)! + MS_PER_DAY),
  };
}
