/**
 * The fault suite's harness: a private clinic whose apps run as real processes (their logs
 * captured for the PHI scan), a client that retries as a real one would, and the ledger that
 * checks every accepted record's effects happened exactly once, read from the apps' databases.
 */
import {
  appendFileSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  readFileSync,
  type WriteStream,
} from 'node:fs';
import * as path from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Client } from 'pg';
import { queueOf, type ConsumerTuning, type MessagingRuntime } from '@app/crypto-messaging';
import type { Role } from '@app/identity';
import { freezePostgres } from '@app/local-stack/testing';
import { consumerNames, type ClinicApp, type ClinicConsumer } from '@app/clinic';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import type { AppProcess } from '../../tools/clinic/app-processes';
import { BLUEPRINTS, databaseOf, sampleRecord, startAppAsProcess } from '../clinic-harness';
import { canaryPatient, type PhiCanary } from '../support/phi-scan';

/** Where the run's logs, state copies, canaries and results go (set by the global setup). */
export const OUT_DIR =
  process.env.FAULTS_OUT_DIR ?? path.resolve(__dirname, '..', '..', '.ci', 'out', 'faults');
export const CANARIES_FILE = 'canaries.jsonl';
export const RESULTS_FILE = 'results.jsonl';

export const CONSUMERS: readonly ClinicConsumer[] = consumerNames();
export type Consumer = ClinicConsumer;

/**
 * Rows one synthetic record (sampleRecord) leaves in each consumer: 1 invoice, 2 appointment
 * requests each booked or skipped (EFFECT_ROWS), 1 prescription.
 */
export const ROWS_PER_RECORD: Readonly<Record<Consumer, number>> = {
  billing: 1,
  scheduling: 2,
  prescription: 1,
};
/**
 * Where each consumer's effects of a record are. Scheduling answers each appointment request of
 * a record with exactly one row: the appointment, or, past the per-patient daily bound (3), a
 * kept skip (scheduling_skips). The suite posts hundreds of records for one canary patient, so
 * most requests end as skips; either row is the request taken into effect once, and a
 * redelivery that acted twice would still show as a third row. Reminder skips are not
 * appointment requests and are left out.
 */
const EFFECT_ROWS: Readonly<Record<Consumer, string>> = {
  billing: 'SELECT record_id FROM invoices',
  scheduling: `SELECT record_id FROM appointments
               UNION ALL SELECT record_id FROM scheduling_skips WHERE kind <> 'reminder'`,
  prescription: 'SELECT record_id FROM prescriptions',
};

/**
 * The per-person rate limits (60 writes, 300 reads a minute by default) are for people: the
 * suite is a load test, one signed-in physician posting thousands of records a minute, so every
 * app it starts gets limits it will not reach. The guard still checks every token and role.
 */
export const LOAD_TEST_LIMITS: Readonly<Record<string, string>> = {
  CLINIC_RATE_LIMIT_WRITES: '1000000',
  CLINIC_RATE_LIMIT_READS: '1000000',
};

/** Supplies the bearer token of each attempt: a fresh one, since tokens live at most 15 minutes. */
export type TokenSource = () => Promise<string>;

/** One line of the results table. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly records: number;
  readonly effectsExpected: number;
  readonly effectsObserved: number;
  readonly lost: number;
  readonly duplicated: number;
  /** From the end of the fault (restart, resume, restore) to every effect in place. */
  readonly recoveryMs: number;
  readonly durationMs: number;
  readonly note?: string;
}

export function recordResult(result: ScenarioResult): void {
  mkdirSync(OUT_DIR, { recursive: true });
  appendFileSync(path.join(OUT_DIR, RESULTS_FILE), `${JSON.stringify(result)}\n`);
}

export function readResults(): ScenarioResult[] {
  try {
    return readFileSync(path.join(OUT_DIR, RESULTS_FILE), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioResult);
  } catch {
    return [];
  }
}

/** What the ledger found: per (record, consumer) pair, the effect is right, missing or doubled. */
export interface Tally {
  readonly records: number;
  readonly expected: number;
  readonly observed: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Accepted by the EMR (201) yet absent from its database. */
  readonly acceptedButMissing: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * POSTs as a real client would, as the person whose token `token` supplies (asked again on
 * every attempt, so a long run never sends an expired one): on 503 it waits for Retry-After
 * (else 500 ms), on a refused or reset connection or a timeout it waits and tries again, until
 * `deadlineMs`. Other answers (201, 4xx, 500) are returned as they are.
 */
export async function postRetrying<T>(
  url: string,
  body: unknown,
  token: TokenSource,
  deadlineMs = 120_000,
): Promise<{ status: number; body: T; attempts: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.status !== 503) {
        return { status: response.status, body: (await response.json()) as T, attempts };
      }
      await response.body?.cancel();
      const after = Number(response.headers.get('retry-after'));
      if (Date.now() > deadline) return { status: 503, body: undefined as T, attempts };
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 500);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** A whole clinic for one scenario, its apps as real processes with their logs kept. */
export class FaultClinic {
  readonly procs: Partial<Record<ClinicApp, AppProcess>> = {};
  readonly inProcess: Partial<Record<ClinicApp, AppUnderTest>> = {};
  private readonly ports: Partial<Record<ClinicApp, number>> = {};
  private readonly logs: WriteStream[] = [];
  private readonly canaries: PhiCanary[] = [];
  private probe?: MessagingRuntime;
  readonly startedAt = Date.now();

  private constructor(
    readonly name: string,
    readonly env: ClinicTestEnv,
    readonly dir: string,
  ) {}

  /**
   * Environment every app process gets on top of the clinic's and {@link LOAD_TEST_LIMITS} (a
   * proxy's endpoint, say).
   */
  appEnv: Record<string, string> = {};

  /**
   * A fresh access token of the member of staff holding `role`, from the clinic's identity
   * provider. Ask for it at each use: the session behind it refreshes, a kept string expires.
   */
  token(role: Role): Promise<string> {
    return this.env.token(role);
  }

  /** The physician's token, whom the suite's records come from. */
  private readonly physician: TokenSource = () => this.token('physician');

  /**
   * The environment and the given apps as processes (all four by default). The aws profile
   * needs moto (callers skip with `findMotoServer()` outside CI, as the e2e suites do).
   */
  static async start(
    name: string,
    apps: readonly ClinicApp[] = ['emr', ...CONSUMERS],
    profile: 'embedded' | 'aws' = 'embedded',
  ): Promise<FaultClinic> {
    const env = await startClinicTestEnv(profile);
    if (!env) throw new Error('moto_server is not installed: the aws profile cannot run');
    const dir = path.join(OUT_DIR, name);
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const clinic = new FaultClinic(name, env, dir);
    try {
      await Promise.all(apps.map((app) => clinic.startApp(app)));
    } catch (error) {
      await clinic.stop();
      throw error;
    }
    return clinic;
  }

  private readonly lineListeners = new Map<ClinicApp, Set<(line: string) => void>>();

  /**
   * Calls `listener` with each log line of the app's process (this one and any restarted one),
   * to act at a precise point of its work; returns the function that stops listening.
   */
  watchLines(app: ClinicApp, listener: (line: string) => void): () => void {
    const listeners = this.lineListeners.get(app) ?? new Set();
    this.lineListeners.set(app, listeners);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Starts (or restarts, on the same port) an app's process; its log lines go to logs/<app>.log. */
  async startApp(app: ClinicApp, env: Record<string, string> = {}): Promise<AppProcess> {
    const log = createWriteStream(path.join(this.dir, 'logs', `${app}.log`), { flags: 'a' });
    this.logs.push(log);
    const proc = await startAppAsProcess(this.env, app, {
      line: (line) => {
        log.write(`${line}\n`);
        for (const listener of this.lineListeners.get(app) ?? []) listener(line);
      },
      env: { ...LOAD_TEST_LIMITS, ...this.appEnv, ...env },
      port: this.ports[app],
    });
    this.ports[app] = Number(new URL(proc.url).port);
    this.procs[app] = proc;
    return proc;
  }

  /**
   * Starts a consumer in this process instead (its transport observable through a spy, its
   * tuning adjustable), on the same environment.
   */
  async startInProcess(consumer: Consumer, tuning: ConsumerTuning = {}): Promise<AppUnderTest> {
    const blueprint = BLUEPRINTS[consumer];
    const app = await this.env.startApp(
      {
        ...blueprint,
        consumer: { ...blueprint.consumer!, tuning: { ...blueprint.consumer!.tuning, ...tuning } },
      },
      databaseOf(consumer),
      { ...LOAD_TEST_LIMITS },
    );
    this.inProcess[consumer] = app;
    return app;
  }

  url(app: ClinicApp): string {
    const url = this.procs[app]?.url ?? this.inProcess[app]?.url;
    if (!url) throw new Error(`${app} is not running`);
    return url;
  }

  /** kill -9: a crash, no shutdown hooks. */
  async kill(app: ClinicApp): Promise<void> {
    const proc = this.procs[app]!;
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  /** A canary patient (values found nowhere else), remembered for the PHI scan. */
  async canaryPatient(): Promise<string> {
    const patient = canaryPatient();
    const created = await postRetrying<{ id: string; mrn: string }>(
      `${this.url('emr')}/patients`,
      patient,
      this.physician,
    );
    if (created.status !== 201) throw new Error(`POST /patients answered ${created.status}`);
    const canary = { ...patient, mrn: created.body.mrn };
    this.canaries.push(canary);
    appendFileSync(path.join(OUT_DIR, CANARIES_FILE), `${JSON.stringify(canary)}\n`);
    return created.body.id;
  }

  /**
   * Posts `count` records for the patient, `concurrency` at a time, through the retrying client.
   * Resolves with the ids the EMR accepted (201) and the other answers.
   */
  async burst(
    patientId: string,
    count: number,
    options: {
      concurrency?: number;
      deadlineMs?: number;
      onAccepted?: (n: number) => void;
      /** The i-th record's body (default: the synthetic record). */
      body?: (i: number) => unknown;
    } = {},
  ): Promise<{ accepted: string[]; refused: number[]; retries: number }> {
    const accepted: string[] = [];
    const refused: number[] = [];
    let retries = 0;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const answer = await postRetrying<{ id: string }>(
          `${this.url('emr')}/patients/${patientId}/records`,
          options.body ? options.body(i) : sampleRecord(),
          this.physician,
          options.deadlineMs,
        );
        retries += answer.attempts - 1;
        if (answer.status === 201) {
          accepted.push(answer.body.id);
          options.onAccepted?.(accepted.length);
        } else refused.push(answer.status);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, count) }, worker));
    return { accepted, refused, retries };
  }

  /** Polls `read` until it holds (tests wait on conditions, never fixed sleeps). */
  async waitUntil(what: string, read: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await read())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(100);
    }
  }

  /**
   * Pauses PostgreSQL (SIGSTOP to the postmaster and every backend): connections stay open and
   * hang, new ones wait. Resolves with the function that resumes it (SIGCONT).
   */
  pausePostgres(): () => void {
    return freezePostgres(this.env.postgresDataDir);
  }

  /** Runs a query on an app's own database. */
  async query<T>(database: ClinicApp, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.env.postgres.url(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Effect rows per record id in one consumer's database. */
  async effectRows(consumer: Consumer): Promise<Map<string, number>> {
    const rows = await this.query<{ record_id: string; n: string }>(
      consumer,
      `SELECT record_id, count(*) AS n FROM (${EFFECT_ROWS[consumer]}) effects GROUP BY record_id`,
    );
    return new Map(rows.map((r) => [r.record_id, Number(r.n)]));
  }

  /**
   * The ledger: every record in the EMR's database (and every id the client saw accepted) against
   * each consumer's rows. Right = exactly ROWS_PER_RECORD; fewer = lost; more = duplicated.
   */
  async tally(accepted: readonly string[] = []): Promise<Tally> {
    const inEmr = new Set(
      (await this.query<{ id: string }>('emr', 'SELECT id FROM medical_records')).map((r) => r.id),
    );
    const acceptedButMissing = accepted.filter((id) => !inEmr.has(id)).length;
    let observed = 0;
    let lost = acceptedButMissing * CONSUMERS.length;
    let duplicated = 0;
    for (const consumer of CONSUMERS) {
      const rows = await this.effectRows(consumer);
      for (const id of inEmr) {
        const n = rows.get(id) ?? 0;
        if (n === ROWS_PER_RECORD[consumer]) observed++;
        else if (n < ROWS_PER_RECORD[consumer]) lost++;
        else duplicated++;
      }
      // Rows for records the EMR never stored would be effects out of nowhere.
      for (const id of rows.keys()) if (!inEmr.has(id)) duplicated++;
    }
    const records = inEmr.size + acceptedButMissing;
    return {
      records,
      expected: records * CONSUMERS.length,
      observed,
      lost,
      duplicated,
      acceptedButMissing,
    };
  }

  /** Waits until every record's effects are in place; resolves with the tally then. */
  async waitForEffects(accepted: readonly string[], timeoutMs = 120_000): Promise<Tally> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tally = await this.tally(accepted);
      if (tally.observed === tally.expected || tally.duplicated > 0 || Date.now() > deadline) return tally;
      // The ledger reads every row: poll large runs less often.
      await sleep(tally.records > 1_000 ? 2_000 : 250);
    }
  }

  private runtime(): MessagingRuntime {
    this.probe ??= this.env.messaging.runtime('fault-probe');
    return this.probe;
  }

  /** Visible plus in-flight messages of a queue, by name. */
  async depth(queueName: string): Promise<number> {
    const url = await this.runtime().queueUrl(queueName);
    const out = await this.runtime().clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /** Messages of a queue received by someone and neither deleted nor returned yet. */
  async hidden(queueName: string): Promise<number> {
    const url = await this.runtime().queueUrl(queueName);
    const out = await this.runtime().clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  queueNames(consumer: Consumer): { queue: string; dlq: string } {
    const q = queueOf(this.runtime().topology, consumer);
    return { queue: q.name, dlq: q.deadLetterQueueName };
  }

  /** Messages left in the three consumers' queues and in their dead-letter queues. */
  async leftovers(): Promise<{ queued: number; deadLettered: number }> {
    let queued = 0;
    let deadLettered = 0;
    for (const consumer of CONSUMERS) {
      const { queue, dlq } = this.queueNames(consumer);
      queued += await this.depth(queue);
      deadLettered += await this.depth(dlq);
    }
    return { queued, deadLettered };
  }

  /** Waits until the queues are empty (nothing left to redeliver a duplicate later). */
  async waitQuiet(timeoutMs = 90_000): Promise<{ queued: number; deadLettered: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await this.leftovers();
      if (left.queued === 0 || Date.now() > deadline) return left;
      await sleep(250);
    }
  }

  /**
   * Stops the processes (SIGTERM), keeps a copy of the state folder (broker store, key file)
   * for the PHI scan, and removes the environment. PostgreSQL's data is not copied: the
   * databases are where PHI belongs.
   */
  async stop(): Promise<void> {
    for (const proc of Object.values(this.procs)) await proc?.stop().catch(() => undefined);
    this.probe?.close();
    await Promise.all(this.logs.map((l) => new Promise((r) => l.end(r))));
    const stateDir = this.env.messaging.env.CLINIC_STATE_DIR;
    if (stateDir) cpSync(stateDir, path.join(this.dir, 'state'), { recursive: true });
    await this.env.stop();
  }
}

/** Builds a result line from a tally. */
export function resultOf(
  clinic: FaultClinic,
  scenario: string,
  tally: Tally,
  recoveryMs: number,
  note?: string,
): ScenarioResult {
  return {
    scenario,
    records: tally.records,
    effectsExpected: tally.expected,
    effectsObserved: tally.observed,
    lost: tally.lost,
    duplicated: tally.duplicated,
    recoveryMs,
    durationMs: Date.now() - clinic.startedAt,
    note,
  };
}
