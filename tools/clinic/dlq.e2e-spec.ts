/**
 * `npm run clinic -- dlq` against a private embedded stack: canary patients are dead-lettered by
 * a real consumer, then listed, shown, decrypted (audited), redriven and purged through the
 * command, in-process and as the real CLI process. Nothing it prints may carry their PHI,
 * except the event `show --decrypt` was explicitly asked for.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PatientRecordCreatedV1Event, recordCreated, syntheticRecord } from '@app/contracts';
import { DeadLetterException, type EncryptedSqsServer } from '@app/crypto-messaging';
import { eventually, HandlerSpy } from '@app/crypto-messaging/testing';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from '../../test/support/phi-scan';
import { runDlq, type DlqIo } from './dlq';
import { startTestStack, type TestStack } from '@app/clinic/testing';

const ROOT = path.join(__dirname, '..', '..');

describe('npm run clinic -- dlq (embedded)', () => {
  let stack: TestStack;
  let server: EncryptedSqsServer;
  let spy: HandlerSpy;
  const canaries: PhiCanary[] = [];
  const poison = new Set<string>();
  const handled = new Map<string, number>();
  const eventIds: string[] = [];
  /** Everything the command wrote, for the PHI scan at the end. */
  const written: string[] = [];

  beforeAll(async () => {
    stack = (await startTestStack('embedded'))!;
    const runtime = stack.runtime('scheduling');
    server = await runtime.consumerServer('scheduling', [PatientRecordCreatedV1Event], { waitTimeS: 1 });
    server.addHandler(
      PatientRecordCreatedV1Event.pattern,
      (data: { recordId: string }) => {
        handled.set(data.recordId, (handled.get(data.recordId) ?? 0) + 1);
        if (poison.has(data.recordId))
          throw new DeadLetterException('UNKNOWN_PHARMACY', 'Not in the catalogue.');
        return Promise.resolve();
      },
      true,
    );
    spy = HandlerSpy.attach(server);
    server.listen(() => undefined);
    const publisher = await stack.runtime('emr').publisher();
    for (let i = 0; i < 2; i++) {
      const canary = canaryPatient();
      canaries.push(canary);
      const base = syntheticRecord();
      const record = syntheticRecord({ patient: { ...base.patient, ...canary } });
      poison.add(record.recordId);
      eventIds.push((await publisher.publish(recordCreated(record))).eventId);
      recordIds.push(record.recordId);
    }
    await spy.waitForCount((o) => o.outcome === 'dead-lettered', 2);
  }, 60_000);
  const recordIds: string[] = [];

  afterAll(async () => {
    await server?.close();
    await stack?.stop();
    // Everything but the explicitly decrypted event: no canary value anywhere.
    const hits = scanForPhi([{ source: 'dlq output', text: written.join('\n') }], canaries);
    expect(describeHits(hits)).toBe('');
  });

  async function dlq(
    argv: string[],
    options: { interactive?: boolean; answer?: string; keep?: boolean } = {},
  ) {
    const out: string[] = [];
    const err: string[] = [];
    const io: DlqIo = {
      out: { line: (t) => out.push(t) },
      err: { line: (t) => err.push(t) },
      interactive: options.interactive ?? false,
      ask: () => Promise.resolve(options.answer ?? ''),
      env: { CLINIC_ACTOR: 'cli-tester' },
    };
    const code = await runDlq(argv, stack.config, io);
    if (options.keep !== false) written.push(...out, ...err);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** The real CLI, as a user runs it (no terminal: stdin is a pipe). */
  function cli(argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['-r', './tools/register.js', 'tools/clinic/main.ts', 'dlq', ...argv],
        {
          cwd: ROOT,
          env: { ...process.env, ...stack.env, CLINIC_ACTOR: 'cli-tester' },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        written.push(out, err);
        resolve({ code, out, err });
      });
    });
  }

  it('lists in a table: ids, type, reason, times, no PHI', async () => {
    const { code, out } = await dlq(['list']);
    expect(code).toBe(0);
    expect(out).toMatch(/^QUEUE\s+EVENT ID\s+TYPE\s+REASON\s+SENT\s+FIRST RECEIVE\s+RECEIVES$/m);
    for (const id of eventIds) {
      expect(out).toMatch(
        new RegExp(`scheduling\\s+${id}\\s+patient-record\\.created\\.v1\\s+UNKNOWN_PHARMACY`),
      );
    }
    expect(out).toContain('2 dead-lettered message(s): scheduling 2.');
  });

  it('works as the real CLI process: list, help, unknown queue, purge without a terminal', async () => {
    const [listed, help, unknown, purge] = await Promise.all([
      cli(['list', 'scheduling']),
      cli(['--help']),
      cli(['list', 'pharmacy']),
      cli(['purge', 'scheduling']),
    ]);
    expect(listed).toMatchObject({ code: 0 });
    for (const id of eventIds) expect(listed.out).toContain(id);
    expect(help.code).toBe(0);
    expect(help.out).toContain('dlq <command>');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown queue "pharmacy": one of billing, scheduling, prescription');
    expect(purge.code).toBe(2);
    expect(purge.err).toContain('--yes');
    // The refused purge purged nothing.
    await eventually(
      'both to be listed still',
      async () => (await dlq(['list', 'scheduling'])).out,
      (o) => eventIds.every((id) => o.includes(id)),
    );
  }, 90_000);

  it('shows metadata, and with --decrypt the event, writing an audit line without PHI', async () => {
    const [id] = eventIds;
    const plain = await dlq(['show', id]);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(new RegExp(`^event id\\s+${id}$`, 'm'));
    expect(plain.out).toMatch(/^reason\s+UNKNOWN_PHARMACY$/m);
    expect(plain.err).toBe('');

    const decrypted = await dlq(['show', id, '--decrypt'], { keep: false });
    expect(decrypted.code).toBe(0);
    expect(decrypted.out).toContain('audited as cli-tester');
    expect(decrypted.out).toContain(canaries[0].familyName); // the event itself, asked for
    const audit = JSON.parse(decrypted.err) as Record<string, unknown>;
    expect(audit).toMatchObject({
      level: 'audit',
      logger: 'KeyAudit',
      action: 'dead-letter.decrypt',
      actor: 'cli-tester',
      eventId: id,
      queue: 'clinic-scheduling-dlq',
      outcome: 'ok',
    });
    written.push(decrypted.err); // the audit line is scanned; the decrypted event is not
  });

  it('redrives one id: the consumer handles it once; the other stays', async () => {
    const [first, second] = eventIds;
    poison.delete(recordIds[0]);
    const { code, out } = await dlq(['redrive', 'scheduling', '--id', first]);
    expect(code).toBe(0);
    expect(out).toMatch(/^scheduling\s+1 moved to clinic-scheduling \(sent, then deleted\)$/m);
    await spy.waitFor((o) => o.eventId === first && o.outcome === 'acked');
    expect(handled.get(recordIds[0])).toBe(2); // dead-lettered once, handled once
    const listed = await eventually(
      'the other to stay',
      async () => (await dlq(['list'])).out,
      (o) => o.includes(second),
    );
    expect(listed).not.toContain(first);
  });

  it('says which ids it did not find, with exit 1', async () => {
    const { code, out } = await dlq(['redrive', '--id', '00000000-0000-4000-8000-000000000000']);
    expect(code).toBe(1);
    expect(out).toContain('not found: 00000000-0000-4000-8000-000000000000');
  });

  it('purges only after confirmation', async () => {
    const declined = await dlq(['purge', 'scheduling'], { interactive: true, answer: 'n' });
    expect(declined).toMatchObject({ code: 1, out: 'Nothing purged.' });
    await eventually(
      'the message to be there still',
      async () => (await dlq(['list'])).out,
      (o) => o.includes(eventIds[1]),
    );
    const purged = await dlq(['purge', 'scheduling', '--yes']);
    expect(purged.code).toBe(0);
    expect(purged.out).toMatch(/^scheduling\s+purged clinic-scheduling-dlq \(about 1 message\(s\)\)$/m);
    expect((await dlq(['list'])).out).toBe('No dead-lettered messages (billing, scheduling, prescription).');
  });
});
