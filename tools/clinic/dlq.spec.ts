/**
 * The dlq command line: what it refuses before it touches any broker (exit 2, saying why), and
 * the table it prints. The broker port below answers nothing: a test that reached it would fail.
 */
import { type DeadLetterSummary } from '@app/crypto-messaging';
import { renderTable, runDlq, type DlqIo } from './dlq';
import { loadMessagingConfig } from '@app/clinic';

function capture(interactive = false) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const io: DlqIo = {
    out: { line: (t) => out.push(t) },
    err: { line: (t) => err.push(t) },
    interactive,
    ask: (q) => {
      asked.push(q);
      return Promise.resolve('no');
    },
    env: {},
  };
  return { io, out, err, asked };
}

const config = loadMessagingConfig({ CLINIC_PROFILE: 'embedded', CLINIC_BROKER_PORT: '9' });

describe('npm run clinic -- dlq (arguments)', () => {
  it('prints help for --help and acts on nothing', async () => {
    const { io, out } = capture();
    expect(await runDlq(['--help'], config, io)).toBe(0);
    expect(await runDlq(['purge', '--help'], config, io)).toBe(0);
    expect(out.join('\n')).toContain('redrive [queue] [--id <event-id>]');
    expect(out.join('\n')).toContain('billing, scheduling, prescription');
  });

  it('prints usage and exits 2 without a command', async () => {
    const { io, out } = capture();
    expect(await runDlq([], config, io)).toBe(2);
    expect(out.join('\n')).toContain('Usage:');
  });

  it.each([
    [['list', 'pharmacy'], 'unknown queue "pharmacy": one of billing, scheduling, prescription'],
    [['redrive', 'nope', '--id', 'x'], 'unknown queue "nope": one of billing, scheduling, prescription'],
    [['purge', 'Alex Testpatient', '--yes'], 'unknown queue "(unprintable)"'],
    [['show'], 'dlq show needs exactly one event id'],
    [['show', 'a', 'b'], 'dlq show needs exactly one event id'],
    [['redrive', '--id'], '--id needs an event id'],
    [['list', '--decrypt'], 'unknown option "--decrypt" for dlq list'],
    [['list', 'billing', 'scheduling'], 'at most one queue name'],
    [['move'], 'unknown dlq command "move"'],
  ])('refuses %j with exit 2, saying why', async (argv, message) => {
    const { io, err } = capture();
    expect(await runDlq(argv, config, io)).toBe(2);
    expect(err.join('\n')).toContain(message);
  });

  it('refuses to purge without --yes when there is no terminal to ask on', async () => {
    const { io, err, asked } = capture(false);
    expect(await runDlq(['purge', 'billing'], config, io)).toBe(2);
    expect(err.join('\n')).toMatch(/refusing to purge without confirmation.*--yes/);
    expect(asked).toEqual([]);
  });
});

describe('renderTable', () => {
  const row = (over: Partial<DeadLetterSummary>): DeadLetterSummary => ({
    consumer: 'billing',
    queue: 'clinic-billing-dlq',
    sourceQueue: 'clinic-billing',
    messageId: 'm-1',
    eventId: 'e-1',
    eventType: 'patient-record.created',
    schemaVersion: '1',
    reason: 'DECRYPT_FAILED',
    sentAt: '2026-11-29T10:00:00.000Z',
    firstReceivedAt: '2026-11-29T10:00:01.000Z',
    lastReceivedAt: '2026-11-29T11:00:00.000Z',
    receiveCount: 2,
    bodyBytes: 900,
    ...over,
  });

  it('prints aligned columns, sorted by queue then time sent, with a dash for what is unknown', () => {
    const table = renderTable([
      row({ consumer: 'scheduling', eventId: 'e-3' }),
      row({ eventId: 'e-2', sentAt: '2026-11-29T12:00:00.000Z', reason: 'MAX_RECEIVES' }),
      row({ eventId: null, eventType: null, firstReceivedAt: null }),
    ]).split('\n');
    expect(table[0]).toMatch(/^QUEUE\s+EVENT ID\s+TYPE\s+REASON\s+SENT\s+FIRST RECEIVE\s+RECEIVES$/);
    expect(table[1]).toMatch(
      /^billing\s+\(message m-1\)\s+-\s+DECRYPT_FAILED\s+2026-11-29 10:00:00Z\s+-\s+2$/,
    );
    expect(table[2]).toContain('e-2');
    expect(table[3]).toMatch(/^scheduling\s+e-3\s+patient-record\.created\.v1/);
    expect(new Set(table.map((l) => (l.indexOf('REASON') >= 0 ? l.indexOf('REASON') : -1))).size).toBe(2);
  });
});
