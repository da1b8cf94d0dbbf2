/**
 * The clinic end to end, as deployed: the four apps as separate processes on the embedded
 * stack, trusting a private identity provider. Throughput: records accepted by the EMR API per
 * second until all three consumers have committed them. Latency: from the API's 201 to the last
 * consumer's commit, at a steady rate. A consumer's commit time is the timestamp of its
 * processed-event row, written in the same transaction as the effect.
 *
 * Every record is posted by a signed-in physician (a real access token, verified and audited
 * by the EMR like any other). The per-person rate limits are raised for the run: one physician
 * posting hundreds of records a second is the load, not an abuse to refuse. Each record has a
 * patient of its own, registered before the clock starts, so that the per-patient bounds
 * (bookings per day, active reminders) never skip work and every record costs what a real one
 * does.
 */
import * as http from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { syntheticRecordRequest } from '@app/contracts';
import { provisionTopology } from '@app/crypto-messaging';
import { freePort } from '@app/crypto-messaging/testing';
import { loadIdentityConfig, readStaffPasswords, staffFor } from '@app/identity';
import { signIn } from '@app/identity/client';
import { startBroker, startIdentityProvider, startPostgres, type IdentityProvider } from '@app/local-stack';
import { appNamed, CLINIC_APP_NAMES, consumerNames, databaseNames, type ClinicApp } from '@app/clinic';
import { ensureAppLogin, runMigrations } from '@app/platform';
import { APPS } from '../tools/clinic/app-registry';
import { startAppProcess, type AppProcess } from '../tools/clinic/app-processes';
import { barChartSvg } from './chart';
import { readProfiles, topFunctions, type ProfileSummary } from './cpu-profile';
import { cpuPerRecord, cpuSnapshot, type CpuPerRecordRow } from './process-cpu';
import { machineSpeed, machineSpeedLine, type MachineSpeed } from './reference-job';
import { fmt, percentile, progress, table, until } from './support';
import { loadMessagingConfig, clinicRuntime } from '@app/clinic';

const THROUGHPUT_RECORDS = Number(process.env.BENCH_CLINIC_RECORDS ?? 1_500);
const THROUGHPUT_CONCURRENCY = 32;
const LATENCY_RATES_PER_S = [50, 20];
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const TIMEOUT_MS = 300_000;
const CONSUMERS = consumerNames();
/**
 * Records posted before the clock starts, as the throughput run posts them (the same concurrent
 * requests), so that the run measures the clinic running steadily: the JIT of four processes
 * settled, connections open (a new database connection costs a SCRAM handshake on both sides).
 * Fifty, posted at once, left the first measured records paying for the start: rounds of 700
 * measured 9.5-13.0 ms of CPU per record in the first, 7.1-8.3 in the next three.
 */
const WARM_UP_RECORDS = 500;
/** Concurrent registrations while the patients are made (before any clock starts). */
const REGISTRATION_CONCURRENCY = 16;
/** Per-person limits for the run, per minute: far above what the bench can send. */
const BENCH_RATE_LIMIT_PER_MIN = '1000000';

/**
 * Visits are spread over this many days from tomorrow: inside the EMR's bound on a visit's
 * date (at most 366 days ahead), with room for the run to cross midnight.
 */
const VISIT_SPREAD_DAYS = 300;
const MS_PER_DAY = 86_400_000;
const FIRST_VISIT_DAY_MS = (Math.floor(Date.now() / MS_PER_DAY) + 1) * MS_PER_DAY;

/**
 * The i-th record: visits spread over most of a year of clinic days, as a real clinic's would
 * be (all on one day would measure a single chair's full calendar, not the pipeline).
 */
let sequence = 0;
function record() {
  const i = sequence++;
  const visit = new Date(
    FIRST_VISIT_DAY_MS + (i % VISIT_SPREAD_DAYS) * MS_PER_DAY + ((i * 7) % 9) * 3_600_000,
  );
  return {
    ...RECORD,
    visit: { ...RECORD.visit, date: visit.toISOString() },
    followUpDays: [7, 14, 28, 90][i % 4],
  };
}

const RECORD = syntheticRecordRequest();

/** Posts as the signed-in physician: `token` gives a fresh access token. */
type Poster = (url: string, body: unknown) => Promise<unknown>;

export interface ClinicBenchResult {
  throughput: {
    /** Records posted and committed before the measured run (not counted): JIT, pools, caches. */
    warmUpRecords: number;
    records: number;
    seconds: number;
    recordsPerSecond: number;
    lost: number;
    duplicated: number;
    /** Per consumer: events per transaction over the run (the batches it received and committed). */
    eventsPerCommit: Partial<Record<ClinicApp, number>>;
  };
  latency: Array<{
    records: number;
    rate: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    /** p99 of 201 -> each consumer's own commit: which one makes the tail. */
    p99ByConsumer: Partial<Record<ClinicApp, number>>;
  }>;
  /** CPU of each process tree over the throughput run (after the warm-up, until all committed). */
  cpu: {
    records: number;
    perProcess: CpuPerRecordRow[];
    total: CpuPerRecordRow;
    /** The bench's own process (the load generator and its checks): apart, not in the total. */
    loadGenerator: CpuPerRecordRow;
  };
  /**
   * The machine's speed (bench/reference-job.ts) before the clinic starts and after it stops:
   * CPU figures compare only between runs whose speeds are close.
   */
  machineSpeed: { before: MachineSpeed; after: MachineSpeed };
  /** With BENCH_CPU_PROF=1: each app's top functions by self time over the throughput run. */
  profiles?: Array<{ app: ClinicApp; summary: ProfileSummary }>;
}

/** Where the bench keeps its results and chart (committed; regenerated by each full run). */
const RESULTS_FILE = path.resolve(__dirname, 'results', 'clinic.json');
const CPU_CHART_FILE = path.resolve(__dirname, '..', 'docs', 'images', 'performance', 'cpu-per-record.svg');

/**
 * The run; with BENCH_CPU_PROF=1 the apps run under V8's CPU profiler (`--cpu-prof`, written
 * when they stop) and the top functions of each over the throughput run are added. With
 * BENCH_CPU_PROF_DIR=<folder> too, the `.cpuprofile` files are kept there (one folder per app),
 * to open in Chrome's DevTools; otherwise they are removed.
 */
export async function runClinicBench(): Promise<ClinicBenchResult> {
  const keepIn = process.env.BENCH_CPU_PROF_DIR ? path.resolve(process.env.BENCH_CPU_PROF_DIR) : undefined;
  if (keepIn) {
    // A folder kept from an earlier run: its profiles must not be read as this run's.
    for (const app of CLINIC_APP_NAMES) rmSync(path.join(keepIn, app), { recursive: true, force: true });
    mkdirSync(keepIn, { recursive: true });
  }
  const profileDir =
    process.env.BENCH_CPU_PROF === '1'
      ? (keepIn ?? mkdtempSync(path.join(tmpdir(), 'clinic-cpu-prof-')))
      : undefined;
  try {
    const before = await machineSpeed();
    const { result: run, windowUs } = await runClinic(profileDir);
    const result = { ...run, machineSpeed: { before, after: await machineSpeed() } };
    if (!profileDir) return result;
    return {
      ...result,
      profiles: CLINIC_APP_NAMES.map((app) => {
        const [profile] = readProfiles(path.join(profileDir, app));
        if (!profile) throw new Error(`bench: no CPU profile was written by ${app}`);
        // Both clocks are the monotonic clock in microseconds; the window is the throughput run.
        const inWindow = profile.startTime <= windowUs.toUs && profile.endTime >= windowUs.fromUs;
        return { app, summary: topFunctions(profile, 10, inWindow ? windowUs : undefined) };
      }),
    };
  } finally {
    if (profileDir && !keepIn) rmSync(profileDir, { recursive: true, force: true });
    if (profileDir && keepIn) console.log(`(CPU profiles kept in ${keepIn}/<app>/)`);
  }
}

async function runClinic(profileDir: string | undefined): Promise<{
  result: Omit<ClinicBenchResult, 'machineSpeed'>;
  windowUs: { fromUs: number; toUs: number };
}> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-bench-'));
  chmodSync(stateDir, 0o711);
  const broker = await startBroker({ port: 0 });
  const postgres = await startPostgres({
    dataDir: path.join(stateDir, 'pg'),
    port: await freePort(),
    databases: databaseNames(),
  });
  // The run's own provider: its keys and the staff's passwords in the run's state folder.
  const identity = loadIdentityConfig({}, { profile: 'embedded', stateDir });
  let idp: IdentityProvider | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLINIC_PROFILE: 'embedded',
    CLINIC_BROKER_PORT: String(broker.port),
    CLINIC_POSTGRES_PORT: String(postgres.port),
    CLINIC_STATE_DIR: stateDir,
    CLINIC_RATE_LIMIT_READS: BENCH_RATE_LIMIT_PER_MIN,
    CLINIC_RATE_LIMIT_WRITES: BENCH_RATE_LIMIT_PER_MIN,
    LOG_FORMAT: 'json',
    ...(profileDir ? { CLINIC_CPU_PROF_DIR: profileDir } : {}),
  };
  const runtime = clinicRuntime(loadMessagingConfig(env), 'provisioner');
  const apps: AppProcess[] = [];
  const clients = new Map<ClinicApp, Client>();
  try {
    idp = await startIdentityProvider({ port: 0, identity });
    env.CLINIC_IDP_PORT = String(idp.port);
    env.CLINIC_OIDC_ISSUER = idp.issuer;
    await provisionTopology({ topology: runtime.topology, clients: runtime.clients, profile: 'embedded' });
    for (const registered of APPS) {
      // Migrated by the administrator; the app runs as its own login, as with `npm start`.
      const login = postgres.appLogin(registered.app);
      await runMigrations(postgres.url(registered.app), registered.database);
      await ensureAppLogin(postgres.url(registered.app), { user: login.user, password: login.password });
      const port = await freePort();
      apps.push(
        await startAppProcess(
          registered,
          { line: (l) => process.stderr.write(`${l}\n`) },
          {
            ...env,
            DATABASE_URL: login.url,
            [appNamed(registered.app).port.variable]: String(port),
          },
          'problems',
        ),
      );
    }
    for (const app of CONSUMERS) {
      const client = new Client({ connectionString: postgres.url(app) });
      await client.connect();
      clients.set(app, client);
    }
    const emr = apps.find((a) => a.app === 'emr')!.url;
    const { username } = staffFor('physician');
    const session = await signIn({
      issuer: idp.issuer,
      clientId: identity.clientId,
      username,
      password: readStaffPasswords(identity.stateDir)![username],
    });
    // The session refreshes once for concurrent callers (its refresh token is single-use).
    const post: Poster = async (url, body) => postAs(url, body, await session.freshAccessToken());

    progress(`4 app processes up, physician signed in`);
    const latencyRecords = LATENCY_RATES_PER_S.reduce((n, rate) => n + rate * LATENCY_SECONDS, 0);
    const patients = await registerPatients(post, emr, WARM_UP_RECORDS + THROUGHPUT_RECORDS + latencyRecords);
    const recordOfNextPatient = () => {
      const patientId = patients.pop();
      if (!patientId) throw new Error('bench: ran out of registered patients');
      return post(`${emr}/patients/${patientId}/records`, record());
    };

    progress(`${THROUGHPUT_RECORDS} records at ${THROUGHPUT_CONCURRENCY} concurrent requests`);

    // Warm-up: JIT, connection pools, data keys, the issuer's key set.
    await postConcurrently(WARM_UP_RECORDS, recordOfNextPatient);
    await waitCommitted(clients, WARM_UP_RECORDS);

    // Every process tree of the clinic, for its CPU over the throughput run.
    const roots: Record<string, number> = {};
    for (const a of apps) roots[a.app] = a.child.pid!;
    roots.broker = broker.pid;
    roots.PostgreSQL = postgres.pid; // its launcher, the postmaster and every backend
    roots['identity provider'] = idp.pid;
    const cpuBefore = cpuSnapshot(roots);
    const selfBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const eventIds = await postConcurrently(THROUGHPUT_RECORDS, recordOfNextPatient);
    const accepted = Number(process.hrtime.bigint() - started) / 1e9;
    progress(`accepted ${THROUGHPUT_RECORDS} records in ${fmt(accepted, 1)} s; waiting for the consumers`);
    await waitCommitted(clients, WARM_UP_RECORDS + THROUGHPUT_RECORDS);
    const ended = process.hrtime.bigint();
    const cpuAfter = cpuSnapshot(roots);
    const self = process.cpuUsage(selfBefore);
    const seconds = Number(ended - started) / 1e9;
    const cpu = cpuPerRecord(cpuBefore, cpuAfter, THROUGHPUT_RECORDS);
    const selfMs = (self.user + self.system) / 1000;
    const integrity = await checkExactlyOnce(clients, eventIds);
    const eventsPerCommit = await eventsPerCommitOf(clients, eventIds);
    progress(`throughput: ${fmt(THROUGHPUT_RECORDS / seconds)} records/s end to end`);

    // Latency at steady rates: the one the issue names, and one below capacity.
    let sentSoFar = WARM_UP_RECORDS + THROUGHPUT_RECORDS;
    const latency: ClinicBenchResult['latency'] = [];
    for (const rate of LATENCY_RATES_PER_S) {
      const total = rate * LATENCY_SECONDS;
      progress(`latency: ${total} records at ${rate}/s`);
      const sent: Array<{ eventId: string; acceptedAt: number }> = [];
      const begin = Date.now();
      const inFlight: Promise<void>[] = [];
      // Held at once, not left to Promise.all after the loop: a request that fails while the
      // loop sleeps would otherwise end the bench as an unhandled rejection, with no context.
      let failure: { error: unknown } | undefined;
      for (let i = 0; i < total; i++) {
        const wait = begin + (i * 1000) / rate - Date.now();
        if (wait > 0) await delay(wait);
        if (failure) break;
        inFlight.push(
          Promise.resolve()
            .then(recordOfNextPatient)
            .then(
              (r) => {
                sent.push({ eventId: (r as { eventId: string }).eventId, acceptedAt: Date.now() });
              },
              (error: unknown) => {
                failure ??= { error };
              },
            ),
        );
      }
      await Promise.all(inFlight);
      if (failure) {
        const { error } = failure;
        throw new Error(
          `bench: a record posted at ${rate}/s failed (${error instanceof Error ? error.message : String(error)}); ${await processStates(apps)}`,
          { cause: error },
        );
      }
      sentSoFar += total;
      await waitCommitted(clients, sentSoFar);
      const byApp = await commitTimes(
        clients,
        sent.map((s) => s.eventId),
      );
      // A record's latency ends with the last of its three commits.
      const last = (eventId: string) => Math.max(...[...byApp.values()].map((at) => at.get(eventId)!));
      const sortedLatencies = (commitOf: (eventId: string) => number) =>
        sent.map((s) => commitOf(s.eventId) - s.acceptedAt).sort((a, b) => a - b);
      const latencies = sortedLatencies(last);
      const pct = (p: number) => percentile(latencies, p);
      latency.push({
        records: total,
        rate,
        p50: pct(50),
        p90: pct(90),
        p99: pct(99),
        max: latencies[latencies.length - 1],
        p99ByConsumer: Object.fromEntries(
          [...byApp].map(([app, at]) => [
            app,
            percentile(
              sortedLatencies((id) => at.get(id)!),
              99,
            ),
          ]),
        ),
      });
    }
    const result: Omit<ClinicBenchResult, 'machineSpeed'> = {
      throughput: {
        warmUpRecords: WARM_UP_RECORDS,
        records: THROUGHPUT_RECORDS,
        seconds,
        recordsPerSecond: THROUGHPUT_RECORDS / seconds,
        ...integrity,
        eventsPerCommit,
      },
      latency,
      cpu: {
        records: THROUGHPUT_RECORDS,
        perProcess: cpu.rows,
        total: cpu.total,
        loadGenerator: {
          process: 'bench (load generator)',
          cpuMs: selfMs,
          msPerRecord: selfMs / THROUGHPUT_RECORDS,
        },
      },
    };
    return { result, windowUs: { fromUs: Number(started / 1000n), toUs: Number(ended / 1000n) } };
  } finally {
    LOAD_AGENT.destroy();
    for (const c of clients.values()) await c.end().catch(() => undefined);
    await Promise.all(apps.map((a) => a.stop()));
    runtime.close();
    await idp?.stop();
    await broker.stop();
    await postgres.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * The longest a POST may take, waiting for one of the agent's connections included: the EMR
 * answers within seconds even with PostgreSQL stalled. An EMR that hangs without dying fails the
 * run instead of holding it.
 */
const POST_TIMEOUT_MS = 30_000;
/**
 * The load generator's connections: kept alive, one per concurrent request. It shares the two
 * cores with the clinic, so it is kept lean (node:http rather than fetch, which cost about twice
 * the CPU per record: 0.44-0.57 ms against 0.23-0.27): what it spends, the clinic cannot.
 */
const LOAD_AGENT = new http.Agent({ keepAlive: true, maxSockets: THROUGHPUT_CONCURRENCY * 2 });

async function postAs(url: string, body: unknown, token: string): Promise<unknown> {
  const payload = JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: LOAD_AGENT,
        // From now, not from when a connection is free: a request queued behind hung ones fails too.
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
  if (status !== 201) throw new Error(`bench: POST ${url} answered ${status}: ${text}`);
  return JSON.parse(text);
}

/**
 * Whether each app is still running, for an error that says where to look: a request refused or
 * reset by an app that exited is not the same fault as one reset by a running app.
 */
async function processStates(apps: readonly AppProcess[]): Promise<string> {
  const running = ({ child }: AppProcess) => child.exitCode === null && child.signalCode === null;
  // A killed app's sockets close a moment before its exit is known: give that moment, 1 s at most.
  const stillRunning = apps.filter(running);
  if (stillRunning.length > 0) {
    await Promise.race([
      Promise.any(stillRunning.map((a) => a.exited)),
      delay(1_000, undefined, { ref: false }),
    ]);
  }
  return apps
    .map((a) =>
      running(a)
        ? `${a.app} running`
        : `${a.app} exited (${a.child.signalCode ?? `code ${a.child.exitCode}`})`,
    )
    .join(', ');
}

/** Posts `count` records from {@link THROUGHPUT_CONCURRENCY} concurrent requests; their event ids. */
async function postConcurrently(
  count: number,
  recordOfNextPatient: () => Promise<unknown>,
): Promise<string[]> {
  let next = 0;
  const eventIds: string[] = [];
  await Promise.all(
    Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        eventIds.push(((await recordOfNextPatient()) as { eventId: string }).eventId);
      }
    }),
  );
  return eventIds;
}

/** Registers `count` synthetic patients (one per record to come), before any clock starts. */
async function registerPatients(post: Poster, emr: string, count: number): Promise<string[]> {
  progress(`registering ${count} synthetic patients (one per record)`);
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: REGISTRATION_CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const patient = (await post(`${emr}/patients`, {
          givenName: 'Bench',
          familyName: `Synthetic${i}`,
          dateOfBirth: '1980-01-01',
        })) as { id: string };
        ids.push(patient.id);
      }
    }),
  );
  return ids;
}

async function committedCounts(clients: Map<ClinicApp, Client>): Promise<number[]> {
  return Promise.all(
    [...clients.values()].map(async (c) =>
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM processed_events')).rows[0].n),
    ),
  );
}

async function waitCommitted(clients: Map<ClinicApp, Client>, expected: number): Promise<void> {
  let counts: number[] = [];
  await until(
    async () => {
      counts = await committedCounts(clients);
      return counts.every((n) => n >= expected);
    },
    TIMEOUT_MS,
    () => `consumers committed ${counts.join('/')} of ${expected}:`,
    50,
  );
}

/** Every event's effect exists exactly once in each consumer. */
async function checkExactlyOnce(
  clients: Map<ClinicApp, Client>,
  eventIds: string[],
): Promise<{ lost: number; duplicated: number }> {
  let lost = 0;
  let duplicated = 0;
  const billing = clients.get('billing')!;
  const rows = (
    await billing.query<{ event_id: string; n: string }>(
      'SELECT event_id, count(*) AS n FROM invoices WHERE event_id = ANY($1) GROUP BY event_id',
      [eventIds],
    )
  ).rows;
  const counts = new Map(rows.map((r) => [r.event_id, Number(r.n)]));
  for (const id of eventIds) {
    const n = counts.get(id) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicated++;
  }
  for (const client of clients.values()) {
    const { rows: processed } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM processed_events WHERE event_id = ANY($1)',
      [eventIds],
    );
    lost += eventIds.length - Number(processed[0].n);
  }
  return { lost, duplicated };
}

/**
 * Per consumer, the events of the run per transaction: a batch's claims share their
 * transaction's `now()`, so each distinct `processed_at` is one commit.
 */
async function eventsPerCommitOf(
  clients: Map<ClinicApp, Client>,
  eventIds: string[],
): Promise<Partial<Record<ClinicApp, number>>> {
  const out: Partial<Record<ClinicApp, number>> = {};
  for (const [app, client] of clients) {
    const { rows } = await client.query<{ events: string; commits: string }>(
      'SELECT count(*) AS events, count(DISTINCT processed_at) AS commits FROM processed_events WHERE event_id = ANY($1)',
      [eventIds],
    );
    out[app] = Number(rows[0].events) / Math.max(1, Number(rows[0].commits));
  }
  return out;
}

/** For each event, the latest commit across the consumers (ms since epoch). */
async function commitTimes(
  clients: Map<ClinicApp, Client>,
  eventIds: string[],
): Promise<Map<ClinicApp, Map<string, number>>> {
  const byApp = new Map<ClinicApp, Map<string, number>>();
  for (const [app, client] of clients) {
    const { rows } = await client.query<{ event_id: string; at: Date }>(
      'SELECT event_id, processed_at AS at FROM processed_events WHERE event_id = ANY($1)',
      [eventIds],
    );
    byApp.set(app, new Map(rows.map((r) => [r.event_id, r.at.getTime()])));
  }
  return byApp;
}

/** The issue's targets for the clinic end to end (2 cores, from a clean clone). */
export const CLINIC_TARGETS = {
  recordsPerSecond: 250,
  /** p99 of 201 -> last commit, at this rate. */
  latencyRate: 50,
  p99Ms: 100,
  /** CPU of every clinic process (apps, broker, PostgreSQL, identity provider) per record. */
  cpuMsPerRecord: 8,
} as const;

export function reportClinicBench(result: ClinicBenchResult): boolean {
  const { throughput: t } = result;
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  const misses: string[] = [];
  const target = (name: string, met: boolean) => {
    if (!met) misses.push(name);
    return verdict(met);
  };
  const rows = [
    [
      'records/s end to end (accepted -> committed by all 3)',
      fmt(t.recordsPerSecond),
      `>= ${CLINIC_TARGETS.recordsPerSecond}`,
      target('records/s', t.recordsPerSecond >= CLINIC_TARGETS.recordsPerSecond),
    ],
    [
      'records lost / duplicated',
      `${t.lost} / ${t.duplicated}`,
      '0 / 0',
      target('lost / duplicated', t.lost + t.duplicated === 0),
    ],
    [
      'CPU ms per record, all clinic processes',
      fmt(result.cpu.total.msPerRecord, 2),
      `<= ${CLINIC_TARGETS.cpuMsPerRecord}`,
      target('CPU per record', result.cpu.total.msPerRecord <= CLINIC_TARGETS.cpuMsPerRecord),
    ],
  ];
  rows.push([
    'events per consumer transaction (batch size)',
    Object.entries(t.eventsPerCommit ?? {})
      .map(([app, n]) => `${app} ${fmt(n ?? 0, 1)}`)
      .join(', '),
    '',
    '',
  ]);
  for (const l of result.latency) {
    const isTarget = l.rate === CLINIC_TARGETS.latencyRate;
    rows.push(
      [`latency p50 at ${l.rate}/s (201 -> last commit)`, `${fmt(l.p50)} ms`, '', ''],
      [
        `latency p99 at ${l.rate}/s`,
        `${fmt(l.p99)} ms`,
        isTarget ? `<= ${CLINIC_TARGETS.p99Ms} ms` : '',
        isTarget ? target(`p99 at ${l.rate}/s`, l.p99 <= CLINIC_TARGETS.p99Ms) : '',
      ],
      [`latency max at ${l.rate}/s`, `${fmt(l.max)} ms`, '', ''],
      [
        `latency p99 at ${l.rate}/s, 201 -> each consumer's commit`,
        Object.entries(l.p99ByConsumer)
          .map(([app, p99]) => `${app} ${fmt(p99)} ms`)
          .join(', '),
        '',
        '',
      ],
    );
  }
  console.log(table(['measure', 'value', 'target', ''], rows));
  console.log(
    `(${fmt(t.records)} records in ${fmt(t.seconds, 1)} s; four app processes, broker and PostgreSQL on this machine)`,
  );
  reportClinicCpu(result.cpu);
  console.log(machineSpeedLine(result.machineSpeed));
  reportClinicProfiles(result);
  writeClinicResults(result);
  if (misses.length > 0) console.log(`\nclinic: targets missed: ${misses.join(', ')}`);
  return misses.length === 0;
}

/** The CPU table: each process tree over the throughput run, the total, and the bench apart. */
export function reportClinicCpu(cpu: ClinicBenchResult['cpu']): void {
  const row = (r: CpuPerRecordRow) => [
    r.process,
    fmt(r.cpuMs / 1000, 2),
    fmt(r.msPerRecord, 2),
    r === cpu.loadGenerator ? '' : `${fmt((100 * r.cpuMs) / (cpu.total.cpuMs || 1))} %`,
  ];
  console.log(`\nCPU over the throughput run (${fmt(cpu.records)} records), per process tree:\n`);
  console.log(
    table(
      ['process', 'CPU s', 'CPU ms/record', 'share'],
      [...cpu.perProcess.map(row), row(cpu.total), row(cpu.loadGenerator)],
    ),
  );
  console.log('(the bench itself, the load generator, is not in the total)');
}

/**
 * With BENCH_CPU_PROF=1: the top functions by self time of each app. The profiler samples wall
 * time while the thread is not idle (including time spent waiting for a core), so a function's
 * CPU per record is estimated as its share of the samples times the process's measured CPU.
 */
export function reportClinicProfiles(result: ClinicBenchResult): void {
  for (const { app, summary } of result.profiles ?? []) {
    const measured = result.cpu.perProcess.find((r) => r.process === app)?.msPerRecord ?? 0;
    console.log(
      `\n${app}: top functions by self time over the throughput run (${fmt(summary.busyMs / 1000, 1)} s sampled not idle; ${fmt(measured, 2)} CPU ms/record measured)\n`,
    );
    console.log(
      table(
        ['function', 'self ms sampled', 'share', '~CPU ms/record'],
        summary.top.map((f) => [
          f.function,
          fmt(f.selfMs),
          `${fmt(100 * f.share, 1)} %`,
          fmt(f.share * measured, 2),
        ]),
      ),
    );
  }
}

/**
 * bench/results/clinic.json and the chart of CPU per record by process. A profiled run is not
 * written: the profiler's own cost would be counted as the apps'.
 */
export function writeClinicResults(result: ClinicBenchResult): void {
  if (result.profiles) {
    console.log('(profiled run: bench/results/clinic.json and the chart are left as they were)');
    return;
  }
  const measuredAt = new Date().toISOString();
  const machine = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    JSON.stringify(
      { scenario: 'clinic', command: 'npm run bench -- clinic', measuredAt, machine, ...result },
      null,
      2,
    ) + '\n',
  );
  mkdirSync(path.dirname(CPU_CHART_FILE), { recursive: true });
  writeFileSync(CPU_CHART_FILE, cpuChartSvg({ ...result, measuredAt, machine }));
  console.log(
    `(written: ${path.relative(process.cwd(), RESULTS_FILE)}, ${path.relative(process.cwd(), CPU_CHART_FILE)})`,
  );
}

/** The chart of CPU per record by process, from a run's results (as in bench/results/clinic.json). */
export function cpuChartSvg(
  run: Pick<ClinicBenchResult, 'cpu' | 'throughput'> & {
    measuredAt: string;
    machine: { node: string; cores: number };
  },
): string {
  const { cpu, throughput, machine } = run;
  return barChartSvg({
    title: 'CPU milliseconds per record, by process (npm run bench -- clinic)',
    subtitle: `${fmt(cpu.records)} records at ${fmt(throughput.recordsPerSecond)} records/s; Node ${machine.node}, ${machine.cores} cores; ${run.measuredAt.slice(0, 10)}`,
    unit: 'ms of CPU per record (user + system, whole process tree)',
    bars: [...cpu.perProcess, cpu.total].map((r) => ({ label: r.process, value: r.msPerRecord })),
    highlight: ['total'],
  });
}
