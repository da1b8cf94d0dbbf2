import { QueryFailedError } from 'typeorm';
import { safeErrorFields } from './clinic-exceptions.filter';
import { isDatabaseUnavailable } from './database-unavailable';
import { jsonDepthExceeds } from './json-body';
import { parseCalendarDate, parseCalendarDateTime } from './validators';

describe('jsonDepthExceeds', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[{"b":1}]}', 3, false],
    ['{"a":[{"b":1}]}', 2, true],
    ['{"a":"[[[[[[[[[["}', 1, false], // brackets inside strings do not count
    ['{"a":"\\"[[["}', 1, false], // nor after an escaped quote
    ['[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', 16, true],
  ])('%s with at most %d levels: %s', (text, max, exceeds) => {
    expect(jsonDepthExceeds(Buffer.from(text), max)).toBe(exceeds);
  });
});

describe('calendar dates', () => {
  it.each(['2026-W48-5', '2026-331', '2026-13-45', '2026-02-29', '2026-02-31', '26-01-01', '2026-1-1', ''])(
    'refuses %s as a date',
    (value) => expect(parseCalendarDate(value)).toBeUndefined(),
  );
  it('reads a real day', () => expect(parseCalendarDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29)));
  it.each([
    '2026-11-27',
    '2026-11-27T09:30',
    '2026-11-27T09:30:00',
    '2026-11-27T24:00:00Z',
    '2026-02-31T09:00:00Z',
    '2026-W48-5T09:00:00Z',
    '+010000-01-01T00:00:00Z',
    '2026-11-27T09:30:00+25:00',
  ])('refuses %s as a date-time', (value) => expect(parseCalendarDateTime(value)).toBeUndefined());
  it.each(['2026-11-27T09:30:00Z', '2026-11-27T09:30Z', '2026-11-27T09:30:00.123456+01:00'])(
    'reads %s',
    (value) => expect(parseCalendarDateTime(value)).toBe(Date.parse(value)),
  );
});

describe('isDatabaseUnavailable', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    ['a refused connection (stopped server)', pgError('ECONNREFUSED')],
    [
      'no socket file (a stopped server, over its Unix-domain socket)',
      Object.assign(pgError('ENOENT'), { syscall: 'connect' }),
    ],
    [
      'a full listen queue (a stalled server, over its Unix-domain socket)',
      Object.assign(pgError('EAGAIN'), { syscall: 'connect' }),
    ],
    [
      'a client read timeout (paused server)',
      new QueryFailedError('SELECT 1', [], new Error('Query read timeout')),
    ],
    ['a pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['a statement timeout', new QueryFailedError('SELECT 1', [], pgError('57014'))],
    ['a server shutting down', pgError('57P01')],
    ['too many connections', pgError('53300')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
  ])('is true for %s', (_, error) => expect(isDatabaseUnavailable(error)).toBe(true));
  it.each([
    ['a check violation', new QueryFailedError('INSERT', ['Alex'], pgError('23514'))],
    ['a unique violation', pgError('23505')],
    ['a type error', new TypeError('x is undefined')],
    ['a missing file', Object.assign(pgError('ENOENT'), { syscall: 'open' })],
    ['a busy read', Object.assign(pgError('EAGAIN'), { syscall: 'read' })],
    ['a string', 'boom'],
  ])('is false for %s', (_, error) => expect(isDatabaseUnavailable(error)).toBe(false));
});

describe('safeErrorFields', () => {
  it("keeps a failed query's name, SQLSTATE, table and constraint, and none of its values", () => {
    const driverError = Object.assign(new Error('new row violates check constraint "canary_guard"'), {
      code: '23514',
      table: 'patients',
      constraint: 'canary_guard',
      detail: 'Failing row contains (Qacanary, Zucanary, 1950-01-01).',
    });
    const error = new QueryFailedError(
      'INSERT INTO patients VALUES ($1, $2)',
      ['Qacanary', 'Zucanary'],
      driverError,
    );
    const fields = safeErrorFields(error);
    expect(fields).toEqual({
      error: 'QueryFailedError',
      code: '23514',
      table: 'patients',
      constraint: 'canary_guard',
    });
    expect(JSON.stringify(fields)).not.toMatch(/canary[^_]|Qacanary|1950/);
  });
  it('drops codes that are not identifiers', () => {
    expect(safeErrorFields(Object.assign(new Error('x'), { code: 'Alex Testpatient, 1980-01-01' }))).toEqual({
      error: 'Error',
    });
  });
});
