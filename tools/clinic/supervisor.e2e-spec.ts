/**
 * `npm start` under faults, as a person runs it: the real entry point in a process of its own,
 * every port and the state folder private to the test. Billing and then the broker are killed
 * with SIGKILL; each comes back on its own, the other processes never stop, and every record
 * posted before, during and after the outage takes effect exactly once in each consumer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { syntheticRecordRequest } from '@app/contracts';
import { eventually, freePort } from '@app/crypto-messaging/testing';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from '../../test/support/phi-scan';

const ROOT = path.resolve(__dirname, '..', '..');
const APPS = ['emr', 'billing', 'scheduling', 'prescription'] as const;
type App = (typeof APPS)[number];
type Listed = Array<{ recordId: string }>;

/** The PID of the process listening on 127.0.0.1:`port`, found through /proc (Linux). */
function pidListeningOn(port: number): number | undefined {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local remote st ... uid timeout inode; 0A = LISTEN
      if (fields[1]?.endsWith(portHex) && fields[3] === '0A') inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // ended meanwhile
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** GET that treats "not answering" (the app is restarting) as "nothing yet". */
const listOr = (url: string) => () => api<Listed>('GET', url).catch(() => [] as Listed);

const countBy = (list: Listed) =>
  list.reduce<Record<string, number>>((n, x) => ({ ...n, [x.recordId]: (n[x.recordId] ?? 0) + 1 }), {});

describe('npm start supervises its processes', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-supervised-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to enter the state folder.
  chmodSync(stateDir, 0o711);
  const ports = {} as Record<App | 'broker' | 'postgres', number>;
  const url = (app: App) => `http://127.0.0.1:${ports[app]}`;
  const canaries: PhiCanary[] = [];
  let clinic: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let patientId: string;
  /** The PIDs of the processes that must never be restarted in a scenario. */
  const pids = () => Object.fromEntries(APPS.map((a) => [a, pidListeningOn(ports[a])]));

  const postRecord = async () =>
    (
      await api<{ id: string }>(
        'POST',
        `${url('emr')}/patients/${patientId}/records`,
        syntheticRecordRequest(),
      )
    ).id;
  const linesMatching = (pattern: RegExp) => output.split('\n').filter((l) => pattern.test(l));

  beforeAll(async () => {
    for (const name of ['broker', 'postgres', ...APPS] as const) ports[name] = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith('CLINIC_') || key.startsWith('AWS_')) delete env[key];
    Object.assign(env, {
      CLINIC_PROFILE: 'embedded',
      CLINIC_STATE_DIR: stateDir,
      CLINIC_BROKER_PORT: String(ports.broker),
      CLINIC_POSTGRES_PORT: String(ports.postgres),
      ...Object.fromEntries(APPS.map((a) => [`CLINIC_${a.toUpperCase()}_PORT`, String(ports[a])])),
    });
    clinic = spawn(process.execPath, ['-r', './tools/register.js', 'tools/clinic/main.ts', 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => clinic.once('exit', (code, signal) => resolve({ code, signal })));
    clinic.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    clinic.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      'npm start to report the clinic running',
      () => output.includes('Press Ctrl-C') || clinic.exitCode !== null,
      Boolean,
      180_000,
    );
    if (!output.includes('Press Ctrl-C')) throw new Error(`npm start failed:\n${output.slice(-3000)}`);
    const canary = canaryPatient();
    const patient = await api<{ id: string; mrn: string }>('POST', `${url('emr')}/patients`, canary);
    canaries.push({ ...canary, mrn: patient.mrn });
    patientId = patient.id;
  }, 240_000);

  afterAll(async () => {
    if (clinic && clinic.exitCode === null && clinic.signalCode === null) {
      clinic.kill('SIGKILL'); // only when a test failed before the clean stop below
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('restarts Billing after kill -9; records posted during and after the gap are invoiced once; nothing else stops', async () => {
    const before = pids();
    expect(Object.values(before).every((p) => p !== undefined)).toBe(true);

    process.kill(before.billing!, 'SIGKILL');
    const duringGap = await postRecord();
    await eventually(
      'the supervisor to restart Billing',
      () => output.includes('billing is running again (restart 1)'),
      Boolean,
      60_000,
    );
    const afterGap = await postRecord();

    const invoices = await eventually(
      'both records invoiced',
      listOr(`${url('billing')}/patients/${patientId}/invoices`),
      (l) => l.some((i) => i.recordId === duringGap) && l.some((i) => i.recordId === afterGap),
      60_000,
    );
    // The other consumers acted on both as well (so any duplicate delivery had its chance).
    for (const app of ['scheduling', 'prescription'] as const) {
      const path = app === 'scheduling' ? 'appointments' : 'prescriptions';
      await eventually(
        `${app} to act on both records`,
        listOr(`${url(app)}/patients/${patientId}/${path}`),
        (l) => [duringGap, afterGap].every((id) => l.some((x) => x.recordId === id)),
        60_000,
      );
    }
    expect(countBy(invoices)).toEqual({ [duringGap]: 1, [afterGap]: 1 });
    expect(countBy(await listOr(`${url('billing')}/patients/${patientId}/invoices`)())).toEqual({
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
    const before = pids();
    const brokerPid = pidListeningOn(ports.broker);
    expect(brokerPid).toBeDefined();

    const beforeKill = await postRecord();
    process.kill(brokerPid!, 'SIGKILL');
    const duringOutage = await postRecord();
    await eventually(
      'the supervisor to restart the broker',
      () => output.includes('broker is running again (restart 1)'),
      Boolean,
      60_000,
    );
    const newBroker = pidListeningOn(ports.broker);
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
        listOr(`${url(app)}/patients/${patientId}/${what}`),
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

  it('stops cleanly on SIGTERM: apps drain, then the stack, a final line, exit 0, no PHI in the output', async () => {
    clinic.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    const lines = output.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('clinic stopped');
    expect(output).not.toContain('keeps crashing');
    for (const port of Object.values(ports)) expect(pidListeningOn(port)).toBeUndefined();
    const hits = scanForPhi([{ source: 'npm start output', text: output }], canaries);
    expect(describeHits(hits)).toBe(describeHits([]));
  }, 120_000);
});
