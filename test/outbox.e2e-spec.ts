/**
 * `clinic outbox replay` end to end, on both profiles: Billing "restored from a backup" (its
 * invoices and processed-event keys deleted) gets the window's events back and applies them
 * once; Scheduling and Prescription, which already had them, take no second effect; an event
 * outside the window is not replayed; --dry-run publishes nothing; the output carries no PHI.
 * The HTTP calls are made by the signed-in person each route admits (real tokens).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { findMotoServer } from '@app/crypto-messaging/testing';
import type { Role } from '@app/identity';
import {
  api,
  BULK_RATE_LIMITS,
  eventually,
  sampleRecord,
  startClinicUnderTest,
  type Clinic,
} from './clinic-harness';
import { canaryPatient, describeHits, scanForPhi } from './support/phi-scan';
import { purgeOutbox, replayOutbox } from '../tools/clinic/outbox';

const ROOT = path.resolve(__dirname, '..');

/** Runs `npm run clinic -- <args>` as a user would (the same node command), bounded in time. */
function clinicCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'tools/clinic/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`the clinic CLI did not run: ${error.message}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

type Listed = Array<Record<string, unknown>>;
type Consumer = 'billing' | 'scheduling' | 'prescription';

/** Who reads each consumer's lists: the role its routes admit. */
const READER: Record<Consumer, Role> = {
  billing: 'billing-clerk',
  scheduling: 'scheduler',
  prescription: 'pharmacist',
};

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('outbox replay on the %s profile', (profile, run) => {
  run('after a consumer lost events', () => {
    let clinic: Clinic;
    beforeAll(async () => {
      // The lists are polled while waiting: limits raised, the per-person limit is not under test.
      clinic = (await startClinicUnderTest(profile, undefined, BULK_RATE_LIMITS))!;
    }, 120_000);
    afterAll(() => clinic?.stop());

    /** A physician's write to the EMR (patients and records); 201 expected. */
    const physicianPost = async <T>(path: string, body: unknown) => {
      const created = await api<T>(
        'POST',
        `${clinic.apps.emr.url}${path}`,
        body,
        await clinic.env.token('physician'),
      );
      expect(created.status).toBe(201);
      return created.body;
    };
    /** A consumer's list of a patient's effects, read by the role that route admits. */
    const listOf = async (app: Consumer, patientId: string, what: string) => {
      const listed = await api<Listed>(
        'GET',
        `${clinic.apps[app].url}/patients/${patientId}/${what}`,
        undefined,
        await clinic.env.token(READER[app]),
      );
      expect(listed.status).toBe(200);
      return listed.body;
    };

    it('re-publishes the window as stored; each consumer ends with each effect exactly once', async () => {
      const canary = canaryPatient();
      const patient = await physicianPost<{ id: string; mrn: string }>('/patients', canary);
      const patientId = patient.id;
      const list = (app: Consumer, what: string) => () => listOf(app, patientId, what);
      const post = () =>
        physicianPost<{ id: string; eventId: string }>(`/patients/${patientId}/records`, sampleRecord());
      const everywhere = async (eventId: string, times = 1) => {
        for (const app of ['billing', 'scheduling', 'prescription'] as const) {
          await clinic.apps[app].spy!.waitForCount(
            (o) => o.eventId === eventId && o.outcome === 'acked',
            times,
            30_000,
          );
        }
      };

      const before = await post();
      await everywhere(before.eventId);
      const since = new Date();
      const inWindow = [await post(), await post()];
      for (const r of inWindow) await everywhere(r.eventId);
      expect(await list('billing', 'invoices')()).toHaveLength(3);
      const appointments = (await list('scheduling', 'appointments')()).length;
      expect(appointments).toBe(6);

      // Billing restored from a backup taken before these records: their effects and keys are gone.
      const billingDb = await new DataSource({
        type: 'postgres',
        url: clinic.env.postgres.url('billing'),
      }).initialize();
      try {
        const ids = [before, ...inWindow].map((r) => r.eventId);
        await billingDb.query('DELETE FROM invoices WHERE event_id = ANY($1)', [ids]);
        await billingDb.query('DELETE FROM processed_events WHERE event_id = ANY($1)', [ids]);
      } finally {
        await billingDb.destroy();
      }
      expect(await list('billing', 'invoices')()).toHaveLength(0);

      const lines: string[] = [];
      const out = { line: (text: string) => lines.push(text) };
      const env = { CLINIC_EMR_DATABASE_URL: clinic.env.postgres.url('emr') };
      const config = clinic.env.messaging.config;
      // The dry run through the real CLI: `npm run clinic -- outbox replay ... --dry-run`.
      const dry = await clinicCli(['outbox', 'replay', '--since', since.toISOString(), '--dry-run'], {
        ...clinic.env.env,
        ...env,
      });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('Dry run: 2 event(s) would be replayed');
      lines.push(dry.stdout, dry.stderr);

      const summary = await replayOutbox(
        config,
        out,
        { since, until: new Date(), dryRun: false, pageSize: 1 },
        env,
      );
      expect(summary).toMatchObject({ matched: 2, replayed: 2, failed: 0, pending: 0, unsealed: 0 });
      expect(lines).toEqual(expect.arrayContaining(['  replayed 1 of 2', '  replayed 2 of 2']));

      // Billing gets the window's invoices back, once each; the record before the window stays lost.
      const invoices = await eventually(
        'the replayed invoices',
        list('billing', 'invoices'),
        (l) => l.length >= 2,
      );
      expect(new Set(invoices.map((i) => i.recordId))).toEqual(new Set(inWindow.map((r) => r.id)));
      // Scheduling and Prescription received each replayed event a second time and did nothing.
      for (const r of inWindow) await everywhere(r.eventId, 2);
      expect(await list('billing', 'invoices')()).toHaveLength(2);
      expect(await list('scheduling', 'appointments')()).toHaveLength(appointments);
      expect(await list('prescription', 'prescriptions')()).toHaveLength(3);
      // Exactly one replay reached the consumers: the dry run published nothing.
      for (const r of inWindow) {
        const acks = clinic.apps.scheduling.spy!.outcomes.filter(
          (o) => o.eventId === r.eventId && o.outcome === 'acked',
        );
        expect(acks).toHaveLength(2);
      }
      expect(
        clinic.apps.billing.spy!.outcomes.filter(
          (o) => o.eventId === before.eventId && o.outcome === 'acked',
        ),
      ).toHaveLength(1);

      expect(
        describeHits(
          scanForPhi(
            [{ source: 'replay output', text: lines.join('\n') }],
            [{ ...canary, mrn: patient.mrn }],
          ),
        ),
      ).toBe('');
    }, 120_000);

    it('purges events published before the retention, never pending ones, however old', async () => {
      const patient = await physicianPost<{ id: string }>('/patients', canaryPatient());
      const records = [];
      for (let i = 0; i < 3; i++) {
        records.push(
          await physicianPost<{ eventId: string }>(`/patients/${patient.id}/records`, sampleRecord()),
        );
      }
      const db = await new DataSource({ type: 'postgres', url: clinic.env.postgres.url('emr') }).initialize();
      try {
        const ids = records.map((r) => r.eventId);
        await eventually(
          'the records published',
          () =>
            db.query<unknown[]>(
              'SELECT 1 FROM outbox_events WHERE id = ANY($1) AND published_at IS NOT NULL',
              [ids],
            ),
          (rows) => rows.length === 3,
        );
        // Age them: two published 40 days ago, one of them made pending again (say, after a failed
        // publish), one published 10 days ago.
        await db.query(
          `UPDATE outbox_events SET created_at = now() - interval '40 days', published_at = now() - interval '40 days' WHERE id = ANY($1)`,
          [ids.slice(0, 2)],
        );
        await db.query(
          `UPDATE outbox_events SET published_at = NULL, next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
          [ids[1]],
        );
        await db.query(`UPDATE outbox_events SET published_at = now() - interval '10 days' WHERE id = $1`, [
          ids[2],
        ]);
        const lines: string[] = [];
        const env = { CLINIC_EMR_DATABASE_URL: clinic.env.postgres.url('emr') };
        await purgeOutbox(clinic.env.messaging.config, { line: (t) => lines.push(t) }, 30, env);
        const left = await db.query<Array<{ id: string }>>(
          'SELECT id FROM outbox_events WHERE id = ANY($1)',
          [ids],
        );
        expect(new Set(left.map((r) => r.id))).toEqual(new Set(ids.slice(1)));
        expect(lines.join('\n')).toMatch(
          /^Deleted \d+ outbox event\(s\) published more than 30 day\(s\) ago/,
        );
      } finally {
        await db.destroy();
      }
    });

    it('refuses bad input through the CLI with exit code 2, naming the flag', async () => {
      const env = { ...clinic.env.env, CLINIC_EMR_DATABASE_URL: clinic.env.postgres.url('emr') };
      const bad = await clinicCli(['outbox', 'replay', '--since', 'yesterday'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--since "yesterday" is not an ISO-8601 time');
      const type = await clinicCli(['outbox', 'replay', '--since', '2026-01-01', '--event-type', 'x.y'], env);
      expect(type.code).toBe(2);
      expect(type.stderr).toContain('--event-type "x.y"');
    }, 60_000);
  });
});
