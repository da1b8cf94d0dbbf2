import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Field validators for the clinic's HTTP bodies. Each message names the field (`$property`;
 * Nest's ValidationPipe prefixes the path of nested fields, as in `visit.date`), never its value:
 * the value may be PHI, and a client that sent it already knows it.
 */

const MS_PER_DAY = 86_400_000;
/** The earliest date any clinical field accepts. */
export const EARLIEST_CLINICAL_DATE = '1900-01-01';
/** Clock drift allowed between a client and the app when a date must not be in the future. */
export const CLOCK_SKEW_DAYS = 1;

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates. PostgreSQL refuses NUL in text
// and jsonb (a 500 if it gets that far), and the rest are never part of a name or a code.
const CONTROL = /[\p{Cc}\p{Cs}]/u;
// A note may span lines: tab, line feed and carriage return are text there.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\p{Cs}]/u;

/**
 * A string without control characters or broken Unicode. `multiline` admits tab, CR and LF
 * (free-text notes). Pair with `@IsString()`, which reports non-strings.
 */
export function IsPlainText(
  options: { multiline?: boolean } = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  const pattern = options.multiline ? CONTROL_EXCEPT_LINES : CONTROL;
  return ValidateBy(
    {
      name: 'isPlainText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !pattern.test(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must not contain control characters or invalid Unicode`,
          validationOptions,
        ),
      },
    },
    validationOptions,
  );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** True when year-month-day names a real day of the Gregorian calendar (no 2026-02-31). */
function isRealDay(year: number, month: number, day: number): boolean {
  const at = new Date(Date.UTC(year, month - 1, day));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}

/** Epoch ms of a `YYYY-MM-DD` calendar date, or undefined if it is not one. */
export function parseCalendarDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  if (!m || !isRealDay(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/**
 * Epoch ms of an RFC 3339 date-time with an offset (`2026-11-27T09:30:00Z`), or undefined. ISO
 * 8601's other shapes (week dates `2026-W48-5`, ordinal dates `2026-331`, no offset) are
 * refused: `Date` cannot read them, and a time without an offset is ambiguous.
 */
export function parseCalendarDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value);
  if (!m || !isRealDay(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** How far from today a date may lie. */
export interface DateWindow {
  /** Earliest accepted day, `YYYY-MM-DD`. Default {@link EARLIEST_CLINICAL_DATE}. */
  readonly earliest?: string;
  /** How many days after today are accepted. Default {@link CLOCK_SKEW_DAYS} (not in the future). */
  readonly maxDaysAhead?: number;
}

function windowOf(window: DateWindow, now = Date.now()) {
  const earliest = parseCalendarDate(window.earliest ?? EARLIEST_CLINICAL_DATE)!;
  const latest = now + (window.maxDaysAhead ?? CLOCK_SKEW_DAYS) * MS_PER_DAY;
  return { earliest, latest };
}

function describe(window: DateWindow): string {
  const ahead = window.maxDaysAhead ?? CLOCK_SKEW_DAYS;
  const until = ahead <= CLOCK_SKEW_DAYS ? 'today' : `${ahead} days from today`;
  return `between ${window.earliest ?? EARLIEST_CLINICAL_DATE} and ${until}`;
}

function dateValidator(
  name: string,
  parse: (value: unknown) => number | undefined,
  shape: string,
  window: DateWindow,
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => {
          const at = parse(value);
          if (at === undefined) return false;
          const { earliest, latest } = windowOf(window);
          return at >= earliest && at <= latest;
        },
        defaultMessage: buildMessage((each, args) => {
          const what = parse(args?.value) === undefined ? shape : describe(window);
          return `${each}$property must be ${what}`;
        }, validationOptions),
      },
    },
    validationOptions,
  );
}

/**
 * A `YYYY-MM-DD` day of the calendar within a window around today (default: from 1900 to today).
 * The message says which rule failed: the shape, or the window.
 */
export function IsCalendarDate(
  example: string,
  window: DateWindow = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return dateValidator(
    'isCalendarDate',
    parseCalendarDate,
    `a calendar date such as ${example}`,
    window,
    validationOptions,
  );
}

/**
 * An RFC 3339 date-time with an offset within a window around now (default: from 1900 to now).
 */
export function IsCalendarDateTime(
  example: string,
  window: DateWindow = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return dateValidator(
    'isCalendarDateTime',
    parseCalendarDateTime,
    `an ISO-8601 calendar date-time such as ${example}`,
    window,
    validationOptions,
  );
}
