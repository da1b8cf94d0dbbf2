/**
 * `npm run demo` as a person runs it, on private ports and a private state folder: it exits 0,
 * every action line names the signed-in person who did it, it ends with the patient's audit
 * trail across the four apps (one line per entry, the person resolved from the staff list) and
 * `audit verify` of each app, and it prints no patient name, birth date, phone or token.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SYNTHETIC_PATIENT_REQUEST } from '@app/contracts';
import { freePort } from '@app/crypto-messaging/testing';
import { pidListeningOn } from '@app/local-stack/testing';

const ROOT = path.resolve(__dirname, '..', '..');
const APPS = ['emr', 'billing', 'scheduling', 'prescription'] as const;
const DEMO_TIMEOUT_MS = 240_000;

describe('npm run demo', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-demo-'));
  const ports: Record<string, number> = {};
  let result: { code: number | null; output: string };

  beforeAll(async () => {
    // As root, PostgreSQL runs as the postgres user, which must be able to enter the state folder.
    chmodSync(stateDir, 0o711);
    for (const name of ['broker', 'postgres', 'identity', 'web', ...APPS]) ports[name] = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith('CLINIC_') || key.startsWith('AWS_')) delete env[key];
    Object.assign(env, {
      CLINIC_STATE_DIR: stateDir,
      CLINIC_BROKER_PORT: String(ports.broker),
      CLINIC_POSTGRES_PORT: String(ports.postgres),
      CLINIC_IDP_PORT: String(ports.identity),
      CLINIC_WEB_PORT: String(ports.web),
      ...Object.fromEntries(APPS.map((a) => [`CLINIC_${a.toUpperCase()}_PORT`, String(ports[a])])),
    });
    const child = spawn('npm', ['run', 'demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEMO_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    result = { code, output };
  }, DEMO_TIMEOUT_MS + 10_000);

  afterAll(() => {
    for (const port of Object.values(ports)) {
      const leftover = pidListeningOn(port);
      if (leftover) process.kill(leftover, 'SIGKILL');
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('exits 0 and says who did what', () => {
    expect({ code: result.code, tail: result.output.slice(-3000) }).toMatchObject({ code: 0 });
    const { output } = result;
    for (const [username, role] of [
      ['physician', 'physician'],
      ['billing', 'billing-clerk'],
      ['scheduler', 'scheduler'],
      ['pharmacist', 'pharmacist'],
      ['admin', 'administrator'],
      ['privacy', 'privacy-officer'],
    ]) {
      expect(output).toMatch(new RegExp(`^  ${username} \\(${role}, sub [0-9a-f]{8}\\) +signed in`, 'm'));
    }
    expect(output).toMatch(/^ {2}physician \(physician, sub 7f0c6a0e\): POST \/patients -> patient /m);
    expect(output).toMatch(
      /^ {2}billing \(billing-clerk, sub 4a9b3c2d\): GET \/patients\/:id\/invoices -> invoice /m,
    );
    expect(output).toMatch(/^ {2}scheduler \(scheduler, sub 9d8c7b6a\): GET \/patients\/:id\/appointments/m);
    expect(output).toMatch(
      /^ {2}pharmacist \(pharmacist, sub 2b3c4d5e\): POST \/prescriptions\/:id\/fills -> fill .*21 units at pharm-001, filled by 2b3c4d5e$/m,
    );
    expect(output).toMatch(
      /^ {2}admin \(administrator, sub 8a7b6c5d\): read the counters of all four apps$/m,
    );
    // The screen starts with the rest, on CLINIC_WEB_PORT.
    expect(output).toContain(`the screen answers at http://127.0.0.1:${ports.web}`);
    expect(output).toMatch(
      new RegExp(`^ {4}http://127\\.0\\.0\\.1:${ports.web}/records/[0-9a-f-]{36}/journey `, 'm'),
    );
  });

  it("ends with the patient's audit trail across the four apps and audit verify of each", () => {
    const { output } = result;
    const trail = output.slice(output.indexOf("Who did what: the patient's audit trail"));
    const entry = (app: string, who: string, action: string, resource: string, outcome: number) =>
      new RegExp(
        `^ {4}${app} +\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +${who.replace(/[()]/g, '\\$&')} +${action} +${resource}[ 0-9a-f]* +${outcome}$`,
        'm',
      );
    expect(trail).toMatch(entry('emr', 'physician (physician)', 'create', 'patient', 201));
    expect(trail).toMatch(entry('emr', 'physician (physician)', 'create', 'record', 201));
    expect(trail).toMatch(entry('billing', 'billing (billing-clerk)', 'list', 'invoice', 200));
    expect(trail).toMatch(entry('scheduling', 'scheduler (scheduler)', 'list', 'appointment', 200));
    expect(trail).toMatch(entry('scheduling', 'scheduler (scheduler)', 'list', 'medication-reminder', 200));
    expect(trail).toMatch(entry('prescription', 'pharmacist (pharmacist)', 'list', 'prescription', 200));
    expect(trail).toMatch(
      entry('prescription', 'pharmacist (pharmacist)', 'create', 'prescription-fill', 201),
    );
    for (const app of APPS)
      expect(trail).toMatch(new RegExp(`^ {4}${app} +\\d+ entries checked, chain ok$`, 'm'));
  });

  it('prints no patient name, birth date, phone or token', () => {
    const { output } = result;
    for (const value of [
      SYNTHETIC_PATIENT_REQUEST.givenName,
      SYNTHETIC_PATIENT_REQUEST.familyName,
      SYNTHETIC_PATIENT_REQUEST.dateOfBirth,
      SYNTHETIC_PATIENT_REQUEST.phone,
    ])
      expect(output).not.toContain(value);
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});
