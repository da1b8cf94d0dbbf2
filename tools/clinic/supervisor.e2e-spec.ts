/**
 * `npm start` under faults, as a person runs it: the real entry point in a process of its own,
 * every port and the state folder private to the test. Billing and then the broker are killed
 * with SIGKILL; each comes back on its own, the other processes never stop, and every record
 * posted before, during and after the outage takes effect exactly once in each consumer. The
 * HTTP calls are made by staff signed in on the identity provider `npm start` runs (real tokens):
 * the physician posts, the billing clerk, scheduler and pharmacist read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { syntheticRecordRequest } from '@app/contracts';
import { eventually, freePort } from '@app/crypto-messaging/testing';
import { readStaffPasswords, staffFor, type Role } from '@app/identity';
import { signIn, type StaffSession } from '@app/identity/client';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from '../../test/support/phi-scan';
import { groupOf, parentOf, pidListeningOn } from '@app/local-stack/testing';

const ROOT = path.resolve(__dirname, '..', '..');
const APPS = ['emr', 'billing', 'scheduling', 'prescription'] as const;
type App = (typeof APPS)[number];
type Listed = Array<{ recordId: string }>;
type Consumer = Exclude<App, 'emr'>;

/** Who reads each consumer's lists: the role its routes admit. */
const READER: Record<Consumer, Role> = {
  billing: 'billing-clerk',
  scheduling: 'scheduler',
  prescription: 'pharmacist',
};

/** An HTTP answer the test did not want; 401 and 403 mean the test (not the clinic) is wrong. */
class Refused extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what} answered ${status}`);
  }
}

async function api<T>(method: string, url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  // The path holds only ids; the message names the route's shape, never a value.
  if (!response.ok) throw new Refused(response.status, `${method} ${new URL(url).pathname}`);
  return (await response.json()) as T;
}

/**
 * GET that treats "not answering" (the app is restarting, its database is down) as "nothing
 * yet". A refused token (401/403) is no such thing: it fails the wait at once.
 */
const listOr = (url: string, token: () => Promise<string>) => async () => {
  try {
    return await api<Listed>('GET', url, await token());
  } catch (error) {
    if (error instanceof Refused && (error.status === 401 || error.status === 403)) throw error;
    return [] as Listed;
  }
};

const countBy = (list: Listed) =>
  list.reduce<Record<string, number>>((n, x) => ({ ...n, [x.recordId]: (n[x.recordId] ?? 0) + 1 }), {});

type Port = App | 'broker' | 'postgres' | 'identity' | 'web';

/** `npm start` as a person runs it (the real entry point), on private ports and state. */
interface NpmStart {
  readonly ports: Record<Port, number>;
  readonly stateDir: string;
  readonly process: ChildProcess;
  /** An access token of the member of staff holding `role`, signed in on this clinic's provider. */
  token(role: Role): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  url(app: App): string;
  /** SIGTERM, then (only if that hangs) SIGKILL to it and to whatever still holds its ports. */
  cleanUp(): Promise<void>;
}

async function startNpmStart(): Promise<NpmStart> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-supervised-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to enter the state folder.
  chmodSync(stateDir, 0o711);
  const ports = {} as Record<Port, number>;
  for (const name of ['broker', 'postgres', 'identity', 'web', ...APPS] as const)
    ports[name] = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('CLINIC_') || key.startsWith('AWS_')) delete env[key];
  Object.assign(env, {
    CLINIC_PROFILE: 'embedded',
    CLINIC_STATE_DIR: stateDir,
    CLINIC_BROKER_PORT: String(ports.broker),
    CLINIC_POSTGRES_PORT: String(ports.postgres),
    CLINIC_IDP_PORT: String(ports.identity),
    CLINIC_WEB_PORT: String(ports.web),
    // The lists are polled while waiting: limits raised, the per-person limit is not under test.
    CLINIC_RATE_LIMIT_READS: '100000',
    CLINIC_RATE_LIMIT_WRITES: '100000',
    ...Object.fromEntries(APPS.map((a) => [`CLINIC_${a.toUpperCase()}_PORT`, String(ports[a])])),
  });
  // A process group of its own, as a terminal gives `npm start`: the Ctrl-C test signals it whole.
  const child = spawn(process.execPath, ['-r', './tools/register.js', 'tools/clinic/main.ts', 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const issuer = `http://127.0.0.1:${ports.identity}`;
  const sessions = new Map<Role, Promise<StaffSession>>();
  const running: NpmStart = {
    ports,
    stateDir,
    process: child,
    async token(role) {
      let session = sessions.get(role);
      if (!session) {
        const { username } = staffFor(role);
        const password = readStaffPasswords(path.join(stateDir, 'identity'))?.[username];
        if (!password) throw new Error(`npm start wrote no password for ${username}`);
        session = signIn({ issuer, clientId: 'clinic-cli', username, password });
        sessions.set(role, session);
        session.catch(() => sessions.delete(role));
      }
      return (await session).freshAccessToken();
    },
    exited,
    output: () => output,
    url: (app) => `http://127.0.0.1:${ports[app]}`,
    async cleanUp() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
        await exited;
        clearTimeout(timer);
      }
      for (const port of Object.values(ports)) {
        const leftover = pidListeningOn(port);
        if (leftover) process.kill(leftover, 'SIGKILL');
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  await eventually(
    'npm start to report the clinic running',
    () => output.includes('Press Ctrl-C') || child.exitCode !== null,
    Boolean,
    180_000,
  );
  if (!output.includes('Press Ctrl-C')) {
    await running.cleanUp();
    throw new Error(`npm start failed:\n${output.slice(-3000)}`);
  }
  return running;
}

describe('npm start supervises its processes', () => {
  let clinic: NpmStart;
  const canaries: PhiCanary[] = [];
  /** The patient of the running scenario (one per scenario: bookings are bounded per patient and day). */
  let patientId: string;
  const url = (app: App) => clinic.url(app);
  /** The PIDs of the processes that must never be restarted in a scenario. */
  const pids = () => Object.fromEntries(APPS.map((a) => [a, pidListeningOn(clinic.ports[a])]));
  /** A new canary patient, registered by the physician; the scenario's records are theirs. */
  const newPatient = async () => {
    const canary = canaryPatient();
    const patient = await api<{ id: string; mrn: string }>(
      'POST',
      `${url('emr')}/patients`,
      await clinic.token('physician'),
      canary,
    );
    canaries.push({ ...canary, mrn: patient.mrn });
    patientId = patient.id;
  };
  const postRecord = async () =>
    (
      await api<{ id: string }>(
        'POST',
        `${url('emr')}/patients/${patientId}/records`,
        await clinic.token('physician'),
        syntheticRecordRequest(),
      )
    ).id;
  /** A consumer's list of the scenario patient's effects, read by the role it admits. */
  const listOf = (app: Consumer, what: string) =>
    listOr(`${url(app)}/patients/${patientId}/${what}`, () => clinic.token(READER[app]));
  const linesMatching = (pattern: RegExp) =>
    clinic
      .output()
      .split('\n')
      .filter((l) => pattern.test(l));

  beforeAll(async () => {
    clinic = await startNpmStart();
  }, 240_000);

  afterAll(async () => {
    await clinic?.cleanUp();
  }, 90_000);

  it('restarts Billing after kill -9; records posted during and after the gap are invoiced once; nothing else stops', async () => {
    await newPatient();
    const before = pids();
    expect(Object.values(before).every((p) => p !== undefined)).toBe(true);

    process.kill(before.billing!, 'SIGKILL');
    const duringGap = await postRecord();
    await eventually(
      'the supervisor to restart Billing',
      () => clinic.output().includes('billing is running again (restart 1)'),
      Boolean,
      60_000,
    );
    const afterGap = await postRecord();

    const invoices = await eventually(
      'both records invoiced',
      listOf('billing', 'invoices'),
      (l) => l.some((i) => i.recordId === duringGap) && l.some((i) => i.recordId === afterGap),
      60_000,
    );
    // The other consumers acted on both as well (so any duplicate delivery had its chance).
    for (const app of ['scheduling', 'prescription'] as const) {
      const path = app === 'scheduling' ? 'appointments' : 'prescriptions';
      await eventually(
        `${app} to act on both records`,
        listOf(app, path),
        (l) => [duringGap, afterGap].every((id) => l.some((x) => x.recordId === id)),
        60_000,
      );
    }
    expect(countBy(invoices)).toEqual({ [duringGap]: 1, [afterGap]: 1 });
    expect(countBy(await listOf('billing', 'invoices')())).toEqual({
      [duringGap]: 1,
      [afterGap]: 1,
    });

    const after = pids();
    expect(after.billing).toBeDefined();
    expect(after.billing).not.toBe(before.billing);
    expect({ ...after, billing: 0 }).toEqual({ ...before, billing: 0 }); // the others never stopped
    expect(linesMatching(/exited unexpectedly/)).toEqual([
      expect.stringMatching(
        /^supervisor +\| billing exited unexpectedly \(signal SIGKILL\); restart 1 in 0\.5 s$/,
      ),
    ]);
  }, 180_000);

  it('restarts the broker after kill -9 on the same port with its messages; every consumer acts once on each record', async () => {
    await newPatient();
    const before = pids();
    const brokerPid = pidListeningOn(clinic.ports.broker);
    expect(brokerPid).toBeDefined();

    const beforeKill = await postRecord();
    process.kill(brokerPid!, 'SIGKILL');
    const duringOutage = await postRecord();
    await eventually(
      'the supervisor to restart the broker',
      () => clinic.output().includes('broker is running again (restart 1)'),
      Boolean,
      60_000,
    );
    const newBroker = pidListeningOn(clinic.ports.broker);
    expect(newBroker).toBeDefined();
    expect(newBroker).not.toBe(brokerPid);
    const afterRestart = await postRecord();
    const records = [beforeKill, duringOutage, afterRestart];

    const effects = {
      billing: ['invoices', 1],
      scheduling: ['appointments', 2], // a follow-up and a lab appointment per record
      prescription: ['prescriptions', 1],
    } as const;
    for (const [app, [what, perRecord]] of Object.entries(effects) as Array<
      [keyof typeof effects, (typeof effects)[keyof typeof effects]]
    >) {
      const list = await eventually(
        `${app} to act on the records posted before, during and after the broker outage`,
        listOf(app, what),
        (l) => records.every((id) => (countBy(l)[id] ?? 0) >= perRecord),
        120_000,
      );
      const counts = countBy(list);
      expect(records.map((id) => counts[id])).toEqual(records.map(() => perRecord));
    }
    expect(pids()).toEqual(before); // no app was restarted: they rode out the outage
    expect(linesMatching(/broker exited unexpectedly/)).toEqual([
      expect.stringMatching(
        /^supervisor +\| broker exited unexpectedly \(signal SIGKILL\); restart 1 in 0\.5 s$/,
      ),
    ]);
  }, 240_000);

  it('restarts PostgreSQL after its server is killed, and after its launcher is killed; records then flow once', async () => {
    const effects = {
      billing: ['invoices', 1],
      scheduling: ['appointments', 2],
      prescription: ['prescriptions', 1],
    } as const;
    /** Posts a record once the EMR's database answers again, and waits for its three effects. */
    const recordFlowsOnce = async () => {
      const id = await eventually(
        'the EMR to take a record again',
        () =>
          postRecord().catch((error: unknown) => {
            // Down or unavailable is "not yet"; a refused token is the test's own mistake.
            if (error instanceof Refused && (error.status === 401 || error.status === 403)) throw error;
            return undefined;
          }),
        Boolean,
        60_000,
      );
      for (const [app, [what, perRecord]] of Object.entries(effects) as Array<
        [keyof typeof effects, (typeof effects)[keyof typeof effects]]
      >) {
        const list = await eventually(
          `${app} to act on the record posted after PostgreSQL came back`,
          listOf(app, what),
          (l) => (countBy(l)[id!] ?? 0) >= perRecord,
          120_000,
        );
        expect(countBy(list)[id!]).toBe(perRecord);
      }
    };

    await newPatient();
    const server = pidListeningOn(clinic.ports.postgres);
    expect(server).toBeDefined();
    process.kill(server!, 'SIGKILL');
    await eventually(
      'the supervisor to restart PostgreSQL',
      () => clinic.output().includes('postgres is running again (restart 1)'),
      Boolean,
      60_000,
    );
    await recordFlowsOnce();

    // Killing the launcher leaves its server running, holding the port and the data folder:
    // the restart must stop that orphan, not fail on a taken port until it crash-loops.
    const orphan = pidListeningOn(clinic.ports.postgres)!;
    const launcher = parentOf(orphan);
    expect(readFileSync(`/proc/${launcher}/cmdline`, 'utf8')).toContain('postgres.mjs');
    process.kill(launcher, 'SIGKILL');
    await eventually(
      'the supervisor to restart PostgreSQL a second time',
      () => clinic.output().includes('postgres is running again (restart 2)'),
      Boolean,
      60_000,
    );
    const restarted = pidListeningOn(clinic.ports.postgres);
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(orphan);
    await recordFlowsOnce();
    expect(linesMatching(/postgres (exited|did not come back)/)).toEqual([
      expect.stringMatching(
        /^supervisor +\| postgres exited unexpectedly \(exit code 1\); restart 1 in 0\.5 s$/,
      ),
      expect.stringMatching(
        /^supervisor +\| postgres exited unexpectedly \(signal SIGKILL\); restart 2 in 1 s$/,
      ),
    ]);
  }, 300_000);

  it('restarts the identity provider after kill -9 on the same port with the same keys', async () => {
    const before = pids();
    const issuer = `http://127.0.0.1:${clinic.ports.identity}`;
    expect(clinic.output()).toContain(`identity provider (OpenID Connect) on ${issuer}`);
    const password = readStaffPasswords(path.join(clinic.stateDir, 'identity'))!.physician;
    const session = await signIn({ issuer, clientId: 'clinic-cli', username: 'physician', password });
    const idpPid = pidListeningOn(clinic.ports.identity);
    expect(idpPid).toBeDefined();
    process.kill(idpPid!, 'SIGKILL');
    await eventually(
      'the supervisor to restart the identity provider',
      () => clinic.output().includes('identity-provider is running again (restart 1)'),
      Boolean,
      60_000,
    );
    expect(pidListeningOn(clinic.ports.identity)).not.toBe(idpPid);
    // Same issuer, same signing keys: a token issued before the crash still verifies.
    const { payload } = await jwtVerify(session.accessToken, createRemoteJWKSet(new URL(`${issuer}/jwks`)), {
      issuer,
      audience: 'clinic-api',
    });
    expect(payload.roles).toEqual(['physician']);
    const again = await signIn({ issuer, clientId: 'clinic-cli', username: 'physician', password });
    expect(again.subject).toBe(session.subject);
    expect(pids()).toEqual(before); // the apps never stopped
  }, 120_000);

  it('stops cleanly on Ctrl-C: apps drain, then the stack, a final line, exit 0, no PHI in the output', async () => {
    // A terminal's Ctrl-C reaches every process of the foreground group. The broker and
    // PostgreSQL are not in it: they must outlive the apps' drain (their deletes and commits),
    // and the supervisor stops them after the apps.
    const group = groupOf(clinic.process.pid!);
    expect(groupOf(pidListeningOn(clinic.ports.broker)!)).not.toBe(group);
    expect(groupOf(pidListeningOn(clinic.ports.postgres)!)).not.toBe(group);
    expect(groupOf(pidListeningOn(clinic.ports.identity)!)).not.toBe(group);
    process.kill(-group, 'SIGINT');
    expect(await clinic.exited).toEqual({ code: 0, signal: null });
    const output = clinic.output();
    // The announcement, then each app's own last line after its drain, then the
    // supervisor's final line, last of all.
    const lines = output.trimEnd().split('\n');
    const announced = lines.indexOf(
      'Stopping the apps (draining in-flight messages), then the embedded stack...',
    );
    expect(announced).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toBe('clinic stopped');
    const after = lines.slice(announced + 1, -1).join('\n');
    for (const title of ['EMR', 'Billing', 'Scheduling', 'Prescription'])
      expect(after).toMatch(new RegExp(`\\b${title} stopped$`, 'm'));
    // The Ctrl-C reaches the screen at the same time as the supervisor, and the screen has nothing
    // to drain: its last line may come before the supervisor's announcement. It comes after the
    // clinic ran (no earlier test stops the screen) and before the supervisor's final line.
    const running = lines.findIndex((line) => line.includes('Press Ctrl-C'));
    expect(running).toBeGreaterThan(0);
    expect(lines.slice(running + 1, -1).join('\n')).toMatch(/\bClinic screen stopped$/m);
    expect(output).not.toContain('keeps crashing');
    for (const port of Object.values(clinic.ports)) expect(pidListeningOn(port)).toBeUndefined();
    const hits = scanForPhi([{ source: 'npm start output', text: output }], canaries);
    expect(describeHits(hits)).toBe(describeHits([]));
  }, 120_000);
});

describe('npm start and a process that keeps crashing', () => {
  let clinic: NpmStart;
  beforeAll(async () => {
    clinic = await startNpmStart();
  }, 240_000);
  afterAll(() => clinic?.cleanUp(), 90_000);

  it('gives up on the sixth crash of Billing within a minute: says which and why, stops everything, exits 1', async () => {
    const billingUp = () => pidListeningOn(clinic.ports.billing);
    const before = pidListeningOn(clinic.ports.emr);
    for (let crash = 1; crash <= 6; crash++) {
      const pid = await eventually(`Billing to be up before crash ${crash}`, billingUp, Boolean, 60_000);
      process.kill(pid!, 'SIGKILL');
      if (crash < 6) {
        await eventually(
          `Billing to be restarted after crash ${crash}`,
          () => clinic.output().includes(`billing is running again (restart ${crash})`),
          Boolean,
          60_000,
        );
      }
    }
    expect(await clinic.exited).toEqual({ code: 1, signal: null });
    const output = clinic.output();
    expect(output).toMatch(
      /supervisor +\| billing keeps crashing: billing crashed 6 times within 60 s \(last: signal SIGKILL\); it is not restarted again/,
    );
    expect(output.trimEnd().split('\n').slice(-1)).toEqual(['clinic stopped (billing kept crashing)']);
    expect(output).not.toContain('billing is running again (restart 6)');
    expect(pidListeningOn(clinic.ports.emr)).toBeUndefined(); // the rest was stopped, not left behind
    expect(before).toBeDefined();
    for (const port of Object.values(clinic.ports)) expect(pidListeningOn(port)).toBeUndefined();
  }, 240_000);
});
