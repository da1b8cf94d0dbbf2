/**
 * The audit trail end to end on a real embedded PostgreSQL: a test app whose routes carry
 * `@Allow`/`@Audited`, called with real access tokens of the private identity provider through
 * the platform's access guard, audit interceptor, exception filter, `GET /audit`,
 * `verifyAuditChain` and `npm run clinic -- audit`. The app connects with its own database login
 * (SELECT and INSERT on audit_entries); tampering is done as the database superuser.
 */
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Module,
  NotFoundException,
  Param,
  Post,
  type DynamicModule,
} from '@nestjs/common';
import { IsString, Matches } from 'class-validator';
import { Client, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { STAFF, type Role } from '@app/identity';
import {
  Allow,
  Audited,
  AuditEntries1796000000000,
  AuditTrail,
  dataSourceOptions,
  auditEntryHash,
  auditRowOf,
  AUDIT_SELECT,
  MessagingProbe,
  pgPoolOf,
  PlatformModule,
  uuidParam,
  verifyAuditChain,
  type AppBlueprint,
  type AppConfig,
  type AppDatabase,
} from '@app/platform';
import { eventually } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type ClinicTestEnv } from '@app/platform/testing';
import { auditCommand } from '../tools/clinic/audit';
import { LogCapture, startLoggedApp } from './support/log-capture';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from './support/phi-scan';
import { loadMessagingConfig } from '@app/clinic';

const subjectOf = (role: Role) => STAFF.find((s) => s.roles.includes(role))!.subject;
const PHYSICIAN = subjectOf('physician');
const NURSE = subjectOf('nurse');
const OFFICER = subjectOf('privacy-officer');

class NewPatientDto {
  @IsString()
  givenName!: string;
  @IsString()
  familyName!: string;
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  dateOfBirth!: string;
  @IsString()
  phone!: string;
}

interface StoredPatient extends NewPatientDto {
  id: string;
}

/** A PHI-bearing resource: every answer holds names and a birth date. */
@Controller('patients')
class PatientsController {
  static readonly patients = new Map<string, StoredPatient>();

  @Post()
  @Allow('physician')
  @Audited({ resource: 'patient', action: 'create', id: 'result.id', patient: 'result.id' })
  create(@Body() body: NewPatientDto): StoredPatient {
    const patient = { ...body, id: randomUUID() };
    PatientsController.patients.set(patient.id, patient);
    return patient;
  }

  @Get(':id')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'patient', action: 'read', id: 'param.id', patient: 'param.id' })
  read(@Param('id', uuidParam('id')) id: string): StoredPatient {
    const patient = PatientsController.patients.get(id);
    if (!patient) throw new NotFoundException(['patient not found']);
    return patient;
  }

  /** Answers an object JSON cannot write (a BigInt): a 500 after the handler succeeded. */
  @Get(':id/broken')
  @Allow('physician')
  @Audited({ resource: 'patient', action: 'read', id: 'param.id', patient: 'param.id' })
  broken(@Param('id', uuidParam('id')) id: string): { id: string; size: bigint } {
    return { id, size: 1n };
  }

  @Get(':id/visits')
  @Allow('physician', 'nurse')
  @Audited({ resource: 'visit', action: 'list', id: 'result.id', patient: 'param.id' })
  visits(@Param('id', uuidParam('id')) id: string): Array<{ id: string; note: string }> {
    const patient = PatientsController.patients.get(id);
    return patient ? [{ id: randomUUID(), note: `${patient.familyName} visited` }] : [];
  }
}

class UpProbe extends MessagingProbe {
  check() {
    return Promise.resolve({ status: 'up' as const });
  }
}

const database: AppDatabase = { entities: [], migrations: [AuditEntries1796000000000] };

@Module({})
class AuditTestModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AuditTestModule,
      imports: [PlatformModule.forApp({ config, database, probe: UpProbe })],
      controllers: [PatientsController],
    };
  }
}

const blueprint: AppBlueprint = {
  app: 'emr',
  title: 'Audit test app',
  description: 'routes with @Allow/@Audited',
  module: (config) => AuditTestModule.forConfig(config),
};

type Who = Role | undefined;
const physician: Who = 'physician';
const nurse: Who = 'nurse';
const officer: Who = 'privacy-officer';

describe('audit trail (embedded PostgreSQL)', () => {
  let env: ClinicTestEnv;
  let app: Awaited<ReturnType<typeof startLoggedApp>>;
  let admin: Client;
  const logs = new LogCapture();
  const canaries: PhiCanary[] = [];

  /** A request with a unique request id, so its entries can be counted. */
  async function call(method: string, path: string, who: Who, body?: unknown) {
    const requestId = `t-${randomUUID()}`;
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        'x-request-id': requestId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(who ? { authorization: `Bearer ${await env.token(who)}` } : {}),
        'x-forwarded-for': '10.9.8.7',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
      requestId,
    };
  }

  /** The request's entries, read right after its answer: the entry must already be there. */
  async function entriesOf(requestId: string) {
    const { rows } = await admin.query(`${AUDIT_SELECT} WHERE request_id = $1 ORDER BY audit_entries.seq`, [
      requestId,
    ]);
    return rows.map(auditRowOf);
  }

  const extraDataSources: DataSource[] = [];
  async function secondDataSource(): Promise<DataSource> {
    const ds = new DataSource(dataSourceOptions(env.postgres.url('emr'), database));
    extraDataSources.push(ds);
    return ds.initialize();
  }

  async function countEntries(): Promise<number> {
    return (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_entries')).rows[0].n;
  }

  async function newPatient() {
    const canary = canaryPatient();
    canaries.push(canary);
    const created = await call('POST', '/patients', physician, canary);
    expect(created.status).toBe(201);
    return { id: created.json().id as string, canary, created };
  }

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    logs.start();
    app = await startLoggedApp(env, blueprint, database);
    // The other apps' databases get the table too, so `audit verify` (all apps) reads four chains.
    for (const other of ['billing', 'scheduling', 'prescription']) await env.migrate(other, database);
    admin = new Client({ connectionString: env.postgres.url('emr') });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    logs.stop();
    await admin?.end();
    for (const ds of extraDataSources) await ds.destroy();
    await app?.stop();
    await env?.stop();
  });

  it('a write leaves exactly one entry with the created id, before the answer', async () => {
    const { id, created } = await newPatient();
    const entries = await entriesOf(created.requestId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      app: 'emr',
      subject: PHYSICIAN,
      roles: ['physician'],
      action: 'create',
      resourceType: 'patient',
      resourceId: id,
      patientId: id,
      outcome: 201,
      refusal: null,
      // X-Forwarded-For is ignored without CLINIC_TRUST_PROXY: the socket's peer.
      clientAddress: '127.0.0.1',
      route: '/patients',
    });
  });

  it('a read leaves exactly one entry', async () => {
    const { id } = await newPatient();
    const read = await call('GET', `/patients/${id}`, nurse);
    expect(read.status).toBe(200);
    const entries = await entriesOf(read.requestId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: NURSE,
      roles: ['nurse'],
      action: 'read',
      resourceId: id,
      patientId: id,
      outcome: 200,
      route: '/patients/:id',
    });
  });

  it('a list takes its patient from the route, and no single id', async () => {
    const { id } = await newPatient();
    const list = await call('GET', `/patients/${id}/visits`, physician);
    expect(list.status).toBe(200);
    const [entry, ...more] = await entriesOf(list.requestId);
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ action: 'list', resourceType: 'visit', resourceId: null, patientId: id });
  });

  it('a 403 leaves exactly one entry, naming the person and the refusal', async () => {
    const { id } = await newPatient();
    const refused = await call('GET', `/patients/${id}`, officer);
    expect(refused.status).toBe(403);
    const entries = await entriesOf(refused.requestId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: OFFICER,
      roles: ['privacy-officer'],
      action: 'read',
      patientId: id,
      outcome: 403,
      refusal: 'role',
    });
  });

  it('a 401 leaves exactly one entry without a subject', async () => {
    const { id } = await newPatient();
    const refused = await call('GET', `/patients/${id}`, undefined);
    expect(refused.status).toBe(401);
    const entries = await entriesOf(refused.requestId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: null,
      roles: [],
      outcome: 401,
      refusal: 'missing',
      patientId: id,
    });
  });

  it('a 404 and a 400 leave one entry each; a value that is not an id is not recorded', async () => {
    const missing = randomUUID();
    const notFound = await call('GET', `/patients/${missing}`, physician);
    expect(notFound.status).toBe(404);
    expect(await entriesOf(notFound.requestId)).toEqual([
      expect.objectContaining({ outcome: 404, patientId: missing, refusal: null }),
    ]);
    const canary = canaryPatient();
    canaries.push(canary);
    const bad = await call('GET', `/patients/${encodeURIComponent(canary.familyName)}`, physician);
    expect(bad.status).toBe(400);
    expect(await entriesOf(bad.requestId)).toEqual([
      expect.objectContaining({ outcome: 400, patientId: null, resourceId: null }),
    ]);
  });

  it('an answer that fails after its entry was written still leaves exactly one entry', async () => {
    const { id } = await newPatient();
    const failed = await call('GET', `/patients/${id}/broken`, physician);
    expect(failed.status).toBe(500);
    expect(await entriesOf(failed.requestId)).toEqual([
      expect.objectContaining({ outcome: 200, patientId: id }),
    ]);
  });

  it('50 concurrent requests give 50 entries and a gap-free valid chain', async () => {
    const { id } = await newPatient();
    const before = await countEntries();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call('GET', `/patients/${id}`, nurse)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const { rows } = await admin.query<{ n: number; lo: string; hi: string }>(
      'SELECT count(*)::int AS n, min(seq)::text AS lo, max(seq)::text AS hi FROM audit_entries',
    );
    expect(rows[0].n).toBe(before + 50);
    expect(rows[0].lo).toBe('1');
    expect(rows[0].hi).toBe(String(before + 50));
    for (const a of answers) expect(await entriesOf(a.requestId)).toHaveLength(1);
    await expect(verifyAuditChain(admin)).resolves.toEqual({ ok: true, entries: before + 50 });
  });

  it('two processes of one app append to one valid chain (the advisory lock, not the group commit)', async () => {
    const before = await countEntries();
    // A second replica of the app: its own pool and its own group commit.
    const second = new AuditTrail(await secondDataSource(), app.config);
    const replicas = [app.http.get(AuditTrail), second];
    const entry = (i: number) => ({
      subject: PHYSICIAN,
      roles: ['physician'],
      action: 'read',
      resourceType: 'patient',
      resourceId: null,
      patientId: null,
      outcome: 200,
      refusal: null,
      clientAddress: '127.0.0.1',
      requestId: `replica-${i}`,
      route: '/patients/:id',
    });
    // Rounds of 20 per replica at once, so both replicas' commits keep racing for the tail.
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => replicas[i % 2].append(entry(round * 40 + i))),
        );
      }
    } finally {
      await second.onApplicationShutdown(); // its commits' own connection
    }
    expect(await countEntries()).toBe(before + 200);
    await expect(verifyAuditChain(admin)).resolves.toEqual({ ok: true, entries: before + 200 });
  });

  it('commits on a connection of its own: a request is answered while others hold every pooled connection', async () => {
    const { id } = await newPatient();
    const pool = pgPoolOf(app.http.get(DataSource));
    const held: PoolClient[] = [];
    let answer: Awaited<ReturnType<typeof call>>;
    const started = performance.now();
    try {
      while (held.length < pool.options.max) held.push(await pool.connect());
      expect(pool.idleCount).toBe(0);
      answer = await call('GET', `/patients/${id}`, nurse);
    } finally {
      for (const client of held) client.release();
    }
    // From the pool, the commit would have waited its 3 s for a connection and the answer been 503.
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(await entriesOf(answer.requestId)).toEqual([
      expect.objectContaining({ outcome: 200, patientId: id }),
    ]);
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [`${app.config.app}-audit`],
    );
    expect(rows[0].n).toBe(1);
  });

  it('when the entry cannot be written the caller gets 503 and no PHI', async () => {
    const { id, canary } = await newPatient();
    const locker = new Client({ connectionString: env.postgres.url('emr') });
    await locker.connect();
    let withheldId = '';
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE audit_entries IN ACCESS EXCLUSIVE MODE');
      const withheld = await call('GET', `/patients/${id}`, physician);
      withheldId = withheld.requestId;
      expect(withheld.status).toBe(503);
      expect(withheld.json()).toMatchObject({ code: 'AUDIT_UNAVAILABLE', requestId: withheld.requestId });
      expect(scanForPhi([{ source: 'answer', text: withheld.text }], [canary])).toEqual([]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // The withheld request's 503 is recorded once the table is free again (the refusal path's
    // append waits on the lock past the answer, and completes).
    const [entry, ...more] = await eventually(
      'the entry of the withheld request',
      () => entriesOf(withheldId),
      (entries) => entries.length > 0,
      10_000,
    );
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ outcome: 503, patientId: id, subject: PHYSICIAN });
    // The chain goes on where it was: nothing half written.
    const after = await call('GET', `/patients/${id}`, physician);
    expect(after.status).toBe(200);
    expect((await verifyAuditChain(admin)).ok).toBe(true);
  }, 30_000);

  describe('GET /audit', () => {
    it('is for privacy officers only, and is itself audited', async () => {
      const refused = await call('GET', '/audit', physician);
      expect(refused.status).toBe(403);
      expect(await entriesOf(refused.requestId)).toEqual([
        expect.objectContaining({ resourceType: 'audit-trail', action: 'list', outcome: 403 }),
      ]);
      const listed = await call('GET', '/audit?limit=2', officer);
      expect(listed.status).toBe(200);
      expect(await entriesOf(listed.requestId)).toEqual([
        expect.objectContaining({ resourceType: 'audit-trail', subject: OFFICER, outcome: 200 }),
      ]);
    });

    it('filters by patient, person and time, in pages with the chain fields', async () => {
      const { id } = await newPatient();
      await call('GET', `/patients/${id}`, nurse);
      const byPatient = await call('GET', `/audit?patientId=${id}`, officer);
      expect(byPatient.status).toBe(200);
      const page = byPatient.json() as { entries: Array<Record<string, unknown>>; nextAfter: string | null };
      expect(page.entries.map((e) => [e.action, e.subject, e.outcome])).toEqual([
        ['create', PHYSICIAN, 201],
        ['read', NURSE, 200],
      ]);
      expect(page.nextAfter).toBeNull();
      expect(Object.keys(page.entries[0]).sort()).toEqual(
        [
          'action',
          'app',
          'at',
          'clientAddress',
          'hash',
          'outcome',
          'patientId',
          'prevHash',
          'refusal',
          'requestId',
          'resourceId',
          'resourceType',
          'roles',
          'route',
          'seq',
          'subject',
        ].sort(),
      );
      expect(page.entries[0].hash).toBe(auditEntryHash(page.entries[0] as never));

      const bySubject = (await call('GET', `/audit?subject=${NURSE}&patientId=${id}`, officer)).json() as {
        entries: unknown[];
      };
      expect(bySubject.entries).toHaveLength(1);

      const future = (await call('GET', '/audit?from=2999-01-01T00:00:00Z', officer)).json() as {
        entries: unknown[];
      };
      expect(future.entries).toHaveLength(0);
      const past = (await call('GET', '/audit?to=2000-01-01T00:00:00%2B01:00', officer)).json() as {
        entries: unknown[];
      };
      expect(past.entries).toHaveLength(0);
      const window = (
        await call('GET', `/audit?patientId=${id}&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z`, officer)
      ).json() as { entries: Array<Record<string, unknown>> };
      // The officer's own two look-ups of this patient's trail are on it too.
      expect(window.entries.map((e) => [e.resourceType, e.action, e.subject])).toEqual([
        ['patient', 'create', PHYSICIAN],
        ['patient', 'read', NURSE],
        ['audit-trail', 'list', OFFICER],
        ['audit-trail', 'list', OFFICER],
      ]);

      const first = (await call('GET', '/audit?limit=3', officer)).json() as {
        entries: Array<{ seq: string }>;
        nextAfter: string;
      };
      expect(first.entries.map((e) => e.seq)).toEqual(['1', '2', '3']);
      expect(first.nextAfter).toBe('3');
      const second = (await call('GET', `/audit?limit=3&after=${first.nextAfter}`, officer)).json() as {
        entries: Array<{ seq: string }>;
      };
      expect(second.entries.map((e) => e.seq)).toEqual(['4', '5', '6']);

      // Newest first, for a screen: the cursor then walks towards older entries.
      const total = await countEntries();
      const newest = (await call('GET', '/audit?limit=2&order=desc', officer)).json() as {
        entries: Array<{ seq: string }>;
        nextAfter: string;
      };
      expect(newest.entries.map((e) => Number(e.seq))).toEqual([total, total - 1]);
      expect(newest.nextAfter).toBe(String(total - 1));
      const older = (
        await call('GET', `/audit?limit=2&order=desc&after=${newest.nextAfter}`, officer)
      ).json() as { entries: Array<{ seq: string }> };
      expect(older.entries.map((e) => Number(e.seq))).toEqual([total - 2, total - 3]);
      const patientNewest = (
        await call('GET', `/audit?patientId=${id}&order=desc&limit=1`, officer)
      ).json() as {
        entries: Array<Record<string, unknown>>;
      };
      expect(patientNewest.entries.map((e) => [e.resourceType, e.subject])).toEqual([
        ['audit-trail', OFFICER],
      ]);
    });

    it('answers whether the chain verifies, for privacy officers only, and audits the check', async () => {
      const refused = await call('GET', '/audit/verification', physician);
      expect(refused.status).toBe(403);
      const before = await countEntries();
      const checked = await call('GET', '/audit/verification', officer);
      expect(checked.status).toBe(200);
      const report = checked.json();
      const { checkedAt, ...verdict } = report;
      expect(verdict).toEqual({ app: 'emr', entries: before, verified: true, lastSeq: String(before) });
      expect(checkedAt).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
      expect(await entriesOf(checked.requestId)).toEqual([
        expect.objectContaining({
          resourceType: 'audit-trail',
          action: 'read',
          resourceId: String(before),
          subject: OFFICER,
          outcome: 200,
        }),
      ]);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['patientId=Smith', 'patientId'],
      ['from=yesterday', 'from'],
      ['to=2026-11-29', 'to'],
      ['after=-1', 'after'],
      ['subject=a%20b', 'subject'],
      ['order=newest', 'order'],
      ['mrn=SYN-000123', 'mrn'],
    ])('refuses %s with a 400 naming %s', async (query, field) => {
      const refused = await call('GET', `/audit?${query}`, officer);
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.json().message)).toContain(field);
      expect(await entriesOf(refused.requestId)).toEqual([expect.objectContaining({ outcome: 400 })]);
    });
  });

  it('entries and logs hold no PHI, and every entry is logged once as JSON', async () => {
    const { rows } = await admin.query('SELECT audit_entries::text AS row FROM audit_entries');
    const table = rows.map((r: { row: string }) => r.row).join('\n');
    const hits = scanForPhi(
      [
        { source: 'audit_entries', text: table },
        { source: 'logs', text: logs.text },
      ],
      canaries,
    );
    expect(describeHits(hits)).toBe('');
    expect(canaries.length).toBeGreaterThan(5);
    const logged = logs
      .entries()
      .filter((e) => e.context === 'Audit' && (e.message as { msg?: string })?.msg === 'audit entry');
    const count = await countEntries();
    expect(new Set(logged.map((e) => (e.message as { seq: string }).seq)).size).toBe(count);
  });

  describe('tampering', () => {
    const cli = async (args: string[]) => {
      const lines: string[] = [];
      const code = await auditCommand(
        loadMessagingConfig(env.env),
        { line: (text) => lines.push(text) },
        args,
        // Each app's own login (SELECT is all verify and list need).
        {
          ...env.env,
          ...Object.fromEntries(
            ['emr', 'billing', 'scheduling', 'prescription'].map((a) => [
              `CLINIC_${a.toUpperCase()}_DATABASE_URL`,
              env.postgres.appUrl(a),
            ]),
          ),
        },
      );
      return { code, text: lines.join('\n') };
    };
    const row = async (seq: number) =>
      auditRowOf(
        (await admin.query<Record<string, unknown>>(`${AUDIT_SELECT} WHERE seq = $1`, [seq])).rows[0],
      );
    /** Runs statements with the append-only trigger disabled, as a superuser can. */
    const asSuperuser = async (...statements: Array<[string, unknown[]?]>) => {
      await admin.query('ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_delete');
      try {
        for (const [sql, params] of statements) await admin.query(sql, params);
      } finally {
        await admin.query('ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_update_delete');
      }
    };

    it('the chain verifies before any tampering, and the CLI says so', async () => {
      const { code, text } = await cli(['verify', 'emr']);
      expect(code).toBe(0);
      expect(text).toMatch(/emr\s+\d+ entries checked, chain ok/);
    });

    it('UPDATE, DELETE and TRUNCATE are refused while the trigger is on, even for a superuser', async () => {
      await expect(admin.query('UPDATE audit_entries SET outcome = 200 WHERE seq = 2')).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
      await expect(admin.query('DELETE FROM audit_entries WHERE seq = 2')).rejects.toThrow(
        /append-only: DELETE refused/,
      );
      await expect(admin.query('TRUNCATE audit_entries')).rejects.toThrow(/append-only: TRUNCATE refused/);
      expect((await verifyAuditChain(admin)).ok).toBe(true);
    });

    it("the app's own login may not UPDATE, DELETE or TRUNCATE, nor disable the trigger", async () => {
      const asApp = new Client({ connectionString: env.postgres.appUrl('emr') });
      await asApp.connect();
      try {
        for (const sql of [
          'UPDATE audit_entries SET outcome = 200 WHERE seq = 2',
          'DELETE FROM audit_entries WHERE seq = 2',
          'TRUNCATE audit_entries',
          'ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_delete',
        ]) {
          await expect(asApp.query(sql)).rejects.toThrow(/permission denied|must be owner/);
        }
      } finally {
        await asApp.end();
      }
    });

    it('an edited middle entry is named (hash mismatch), and the CLI exits 1', async () => {
      const original = await row(5);
      // Hide who looked: the edit a person covering their tracks would make.
      expect(original.subject).not.toBe(OFFICER);
      await asSuperuser(['UPDATE audit_entries SET subject = $1 WHERE seq = 5', [OFFICER]]);
      try {
        expect(await verifyAuditChain(admin)).toMatchObject({
          ok: false,
          firstBroken: { seq: '5', reason: 'hash mismatch' },
        });
        const { code, text } = await cli(['verify']);
        expect(code).toBe(1);
        expect(text).toMatch(/emr\s+5 entries checked, BROKEN at seq 5: hash mismatch/);
        expect(text).toMatch(/billing\s+0 entries checked, chain ok/);
        expect(text.split('\n')).toHaveLength(4);
        // The privacy officer's screen reads the same verdict over HTTP.
        expect((await call('GET', '/audit/verification', officer)).json()).toMatchObject({
          app: 'emr',
          verified: false,
          entries: 5,
          lastSeq: '5',
          firstBroken: { seq: '5', reason: 'hash mismatch' },
        });
      } finally {
        await asSuperuser(['UPDATE audit_entries SET subject = $1 WHERE seq = 5', [original.subject]]);
      }
      expect((await verifyAuditChain(admin)).ok).toBe(true);
    });

    it('a deleted middle entry is named by its successor (seq gap)', async () => {
      const { rows } = await admin.query<Record<string, unknown>>(
        'SELECT * FROM audit_entries WHERE seq = 7',
      );
      await asSuperuser(['DELETE FROM audit_entries WHERE seq = 7']);
      try {
        expect(await verifyAuditChain(admin)).toMatchObject({
          ok: false,
          firstBroken: { seq: '8', reason: 'seq gap' },
        });
        const { code, text } = await cli(['verify', 'emr']);
        expect(code).toBe(1);
        expect(text).toContain('BROKEN at seq 8: seq gap');
      } finally {
        const columns = Object.keys(rows[0]);
        await admin.query(
          `INSERT INTO audit_entries (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => rows[0][c]),
        );
      }
      expect((await verifyAuditChain(admin)).ok).toBe(true);
    });

    it('an entry edited and re-hashed is caught at its successor (prev-hash mismatch)', async () => {
      const original = await row(9);
      const forged = { ...original, subject: OFFICER };
      await asSuperuser([
        'UPDATE audit_entries SET subject = $1, hash = $2 WHERE seq = 9',
        [forged.subject, auditEntryHash(forged)],
      ]);
      try {
        expect(await verifyAuditChain(admin)).toMatchObject({
          ok: false,
          firstBroken: { seq: '10', reason: 'prev-hash mismatch' },
        });
        const { code, text } = await cli(['verify', 'emr']);
        expect(code).toBe(1);
        expect(text).toContain('BROKEN at seq 10: prev-hash mismatch');
      } finally {
        await asSuperuser([
          'UPDATE audit_entries SET subject = $1, hash = $2 WHERE seq = 9',
          [original.subject, original.hash],
        ]);
      }
      expect((await verifyAuditChain(admin)).ok).toBe(true);
    });

    it('the CLI lists entries by patient and refuses a bad flag naming it', async () => {
      const { id } = await newPatient();
      const { code, text } = await cli(['list', 'emr', '--patient', id]);
      expect(code).toBe(0);
      expect(text).toContain('emr: 1 entry');
      expect(text).toContain(`create patient ${id}`);
      await expect(cli(['list', 'emr', '--limit', '0'])).rejects.toThrow(/--limit must be/);
      await expect(cli(['verify', 'nowhere'])).rejects.toThrow(/Unknown app "nowhere"/);
    });
  });
});
