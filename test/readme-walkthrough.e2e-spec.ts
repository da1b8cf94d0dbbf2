/**
 * The README's walkthrough works as written: the bash block(s) between `<!-- walkthrough:start -->`
 * and `<!-- walkthrough:end -->` run against `npm start`, spawned as a person runs it, on private
 * ports and a private state folder. The block signs people in with `npm run -s clinic -- login`,
 * registers a patient, enters a record and reads each system's work with the role's own token.
 * Only the app URLs are rewritten (127.0.0.1:3000..3003 to the private ports); the rest runs as is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually, freePort } from '@app/crypto-messaging/testing';
import { groupOf, pidListeningOn } from './support/proc';

const ROOT = path.resolve(__dirname, '..');
const APPS = ['emr', 'billing', 'scheduling', 'prescription'] as const;
const DEFAULT_APP_PORTS = { emr: 3000, billing: 3001, scheduling: 3002, prescription: 3003 } as const;
const START_TIMEOUT_MS = 180_000;
const WALKTHROUGH_TIMEOUT_MS = 120_000;

/** The bash code blocks between the walkthrough markers of README.md, joined in order. */
function walkthroughOf(readme: string): string {
  const start = readme.indexOf('<!-- walkthrough:start -->');
  const end = readme.indexOf('<!-- walkthrough:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no walkthrough:start/end markers');
  const blocks = [...readme.slice(start, end).matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error('no ```bash block between the walkthrough markers');
  return blocks.join('\n');
}

describe('the README walkthrough, run as written against npm start', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-readme-'));
  const ports: Record<string, number> = {};
  let npmStart: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let output = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // As root, PostgreSQL runs as the postgres user, which must be able to enter the state folder.
    chmodSync(stateDir, 0o711);
    for (const name of ['broker', 'postgres', 'identity', ...APPS]) ports[name] = await freePort();
    env = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith('CLINIC_') || key.startsWith('AWS_')) delete env[key];
    Object.assign(env, {
      CLINIC_PROFILE: 'embedded',
      CLINIC_STATE_DIR: stateDir,
      CLINIC_BROKER_PORT: String(ports.broker),
      CLINIC_POSTGRES_PORT: String(ports.postgres),
      CLINIC_IDP_PORT: String(ports.identity),
      ...Object.fromEntries(APPS.map((a) => [`CLINIC_${a.toUpperCase()}_PORT`, String(ports[a])])),
    });
    // A process group of its own, as a terminal gives `npm start`: stopped with a Ctrl-C to the group.
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    npmStart = child;
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      'npm start to report the clinic running',
      () => output.includes('Press Ctrl-C') || child.exitCode !== null,
      Boolean,
      START_TIMEOUT_MS,
    );
    if (!output.includes('Press Ctrl-C')) throw new Error(`npm start failed:\n${output.slice(-3000)}`);
  }, START_TIMEOUT_MS + 20_000);

  afterAll(async () => {
    if (npmStart?.pid && npmStart.exitCode === null) {
      process.kill(-groupOf(npmStart.pid), 'SIGINT');
      const timer = setTimeout(() => npmStart?.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    // Whatever did not stop (a hung drain) goes, so the next suite finds the ports free.
    for (const port of Object.values(ports)) {
      const leftover = pidListeningOn(port);
      if (leftover) process.kill(leftover, 'SIGKILL');
    }
    rmSync(stateDir, { recursive: true, force: true });
  }, 90_000);

  it(
    'prints the invoice, the appointments, the reminders and the prescription; 401 without a token, 403 for the wrong role',
    () => {
      let script = walkthroughOf(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      for (const app of APPS)
        script = script.replaceAll(`127.0.0.1:${DEFAULT_APP_PORTS[app]}`, `127.0.0.1:${ports[app]}`);
      expect(script).not.toMatch(/127\.0\.0\.1:300[0-4]\b/);

      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: WALKTHROUGH_TIMEOUT_MS,
      });
      const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect({ status: run.status, signal: run.signal, context }).toMatchObject({ status: 0, signal: null });

      const lines = run.stdout.split('\n');
      expect(lines).toContain('without a token: 401');
      expect(lines).toContain('billing clerk reading prescriptions: 403');
      // Every JSON answer the block printed, in order: the record, then the four reads.
      const answers = lines
        .filter((l) => l.startsWith('{') || l.startsWith('['))
        .map((l) => JSON.parse(l) as unknown);
      const record = answers.find((a) => !Array.isArray(a)) as { id?: string; enteredBy?: string };
      expect(record.id).toEqual(expect.any(String));
      expect(record.enteredBy).toEqual(expect.any(String)); // the physician's subject id
      const lists = answers.filter(Array.isArray) as Array<Array<Record<string, unknown>>>;
      expect(lists).toHaveLength(4);
      const [invoices, appointments, reminders, prescriptions] = lists;
      expect(invoices).toEqual([
        expect.objectContaining({ recordId: record.id, totalCents: 12_800, status: 'open' }),
      ]);
      expect(appointments.map((a) => a.kind).sort()).toEqual(['follow-up', 'lab']);
      expect(reminders.length).toBeGreaterThan(0);
      expect(reminders.every((r) => r.recordId === record.id)).toBe(true);
      expect(prescriptions).toEqual([
        expect.objectContaining({
          recordId: record.id,
          medicationName: 'Amoxicillin 500 MG Oral Capsule',
          pharmacyId: 'pharm-001',
          status: 'sent',
        }),
      ]);
      // The tokens are the block's business: none reaches its output.
      expect(run.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    },
    WALKTHROUGH_TIMEOUT_MS + 10_000,
  );
});
