import { AppError, AppErrorCode } from '@app/platform';
import { failureOf } from './failure';
import { parsePurgeArgs, parseReplayArgs } from './outbox';

const refusal = (args: string[]) => {
  try {
    parseReplayArgs(args, new Date('2026-11-29T18:00:00Z'));
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
};

describe('outbox replay arguments', () => {
  it('names a refused value only when it is a short token, never echoing pasted text', () => {
    const pasted = 'Qatest Zupatient born 1931-02-17, phone 555-0199'; // as a slip of the clipboard
    for (const args of [
      ['--since', pasted],
      ['--since', '2026-11-28', '--event-type', pasted],
      [pasted, '--since', '2026-11-28'],
    ]) {
      const message = refusal(args).message;
      expect(message).toContain('(unprintable)');
      expect(message).not.toContain('Zupatient');
    }
    expect(refusal(['--since', 'yesterday']).message).toContain('"yesterday"');
  });

  it('takes a window, a type (or its pattern) and --dry-run; --until defaults to now', () => {
    expect(
      parseReplayArgs(
        ['--since', '2026-11-29T17:00:00Z', '--event-type', 'patient-record.created.v1', '--dry-run'],
        new Date('2026-11-29T18:00:00Z'),
      ),
    ).toEqual({
      since: new Date('2026-11-29T17:00:00Z'),
      until: new Date('2026-11-29T18:00:00Z'),
      eventType: 'patient-record.created',
      dryRun: true,
    });
    expect(parseReplayArgs(['--since', '2026-11-28', '--until', '2026-11-29T01:30:00+01:00']).until).toEqual(
      new Date('2026-11-29T00:30:00Z'),
    );
  });

  it.each([
    [['--until', '2026-11-29'], '--since is required'],
    [['--since', 'yesterday'], '--since "yesterday" is not an ISO-8601 time'],
    [['--since', '2026-02-31'], '--since "2026-02-31" is not an ISO-8601 time'],
    [['--since', '2026-11-29', '--until', '11/30/2026'], '--until "11/30/2026" is not an ISO-8601 time'],
    [
      ['--since', '2026-11-29T12:00:00Z', '--until', '2026-11-29T11:00:00Z'],
      '--since (2026-11-29T12:00:00.000Z) must be before --until',
    ],
    [['--since', '2026-11-30'], 'must be before --until (2026-11-29T18:00:00.000Z, now)'],
    [
      ['--since', '2026-11-29', '--event-type', 'invoice.paid'],
      '--event-type "invoice.paid" is not an event the EMR publishes',
    ],
    [['--since'], '--since needs a value'],
    [['--since', '2026-11-29', '--force'], 'Unknown option "--force"'],
  ])('refuses %j naming the flag (BAD_SETTINGS: exit 2)', (args, message) => {
    const error = refusal(args);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe(AppErrorCode.BadSettings);
    expect(error.message).toContain(message);
    expect(failureOf(error, {}).exitCode).toBe(2);
  });
});

describe('outbox purge arguments', () => {
  it('takes --older-than-days, else CLINIC_OUTBOX_RETENTION_DAYS, else 30', () => {
    expect(parsePurgeArgs([], {})).toBe(30);
    expect(parsePurgeArgs([], { CLINIC_OUTBOX_RETENTION_DAYS: '7' })).toBe(7);
    expect(parsePurgeArgs(['--older-than-days', '90'], { CLINIC_OUTBOX_RETENTION_DAYS: '7' })).toBe(90);
  });

  it.each([
    [['--older-than-days', '0'], {}, '--older-than-days "0" must be a whole number of days'],
    [['--older-than-days', '1.5'], {}, '--older-than-days "1.5"'],
    [[], { CLINIC_OUTBOX_RETENTION_DAYS: 'forever' }, 'CLINIC_OUTBOX_RETENTION_DAYS "forever"'],
    [['--days', '3'], {}, 'Unknown option "--days"'],
  ])('refuses %j %j naming the flag or variable', (args, env, message) => {
    expect(() => parsePurgeArgs(args, env)).toThrow(message);
  });
});
