/**
 * The docs work as written. One `npm start`, spawned as a person runs it on private ports and a
 * private state folder, then, in order:
 * - the README's walkthrough: the bash block(s) between `<!-- walkthrough:start -->` and
 *   `<!-- walkthrough:end -->` (people sign in with `npm run -s clinic -- login`, register a
 *   patient, enter a record, read each system's work with the role's own token, record a fill);
 * - docs/workshop.md: every bash block marked `<!-- run -->`, in one shell as a person follows the
 *   labs in one terminal (tokens and the admin API, moto and the doctor, a forged message, the
 *   audit trail and its tampering, sign-out);
 * - Ctrl-C: every app says it stopped, and nothing printed a stray "undefined".
 * Only addresses are rewritten (ports, the state folder, moto's port and log); the rest runs as is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually, freePort } from '@app/crypto-messaging/testing';
import { groupOf, pidListeningOn } from '@app/local-stack/testing';
import {
  enterRecord,
  findChromium,
  launchBrowser,
  newPage,
  registerPatient,
  signIn,
  threeEffectsShown,
} from './web/browser';
import {
  markedBlocks,
  outputsByBlock,
  rewrite,
  scriptOf,
  walkthroughBlocks,
  type DocBlock,
} from './support/doc-blocks';

const ROOT = path.resolve(__dirname, '..');
const APPS = ['emr', 'billing', 'scheduling', 'prescription'] as const;
const DEFAULT_APP_PORTS = { emr: 3000, billing: 3001, scheduling: 3002, prescription: 3003 } as const;
const START_TIMEOUT_MS = 180_000;
const WALKTHROUGH_TIMEOUT_MS = 120_000;
const WORKSHOP_TIMEOUT_MS = 420_000;
const STOP_TIMEOUT_MS = 60_000;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** Runs a script as bash does for a person: stops at the first failing command, stderr in line. */
function runScript(script: string, env: NodeJS.ProcessEnv, timeout: number) {
  return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', `exec 2>&1\n${script}`], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('the README walkthrough and the workshop, run as written against npm start', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-readme-'));
  const ports: Record<string, number> = {};
  let npmStart: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let output = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // As root, PostgreSQL runs as the postgres user, which must be able to enter the state folder.
    chmodSync(stateDir, 0o711);
    for (const name of ['broker', 'postgres', 'identity', 'web', 'moto', ...APPS])
      ports[name] = await freePort();
    env = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith('CLINIC_') || key.startsWith('AWS_')) delete env[key];
    Object.assign(env, {
      CLINIC_PROFILE: 'embedded',
      CLINIC_STATE_DIR: stateDir,
      CLINIC_BROKER_PORT: String(ports.broker),
      CLINIC_POSTGRES_PORT: String(ports.postgres),
      CLINIC_IDP_PORT: String(ports.identity),
      CLINIC_WEB_PORT: String(ports.web),
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
      const blocks = walkthroughBlocks('README.md', readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      const script = rewrite(scriptOf(blocks), appPortRewrites());
      expect(script).not.toMatch(/127\.0\.0\.1:300[0-4]\b/);

      const run = runScript(script, env, WALKTHROUGH_TIMEOUT_MS);
      const context = `output:\n${run.stdout}`;
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
      // The fill, dated now, is accepted for the pharmacist's own pharmacy.
      const fill = answers.find((a) => !Array.isArray(a) && a !== record) as Record<string, unknown>;
      expect(fill).toEqual(
        expect.objectContaining({
          prescriptionId: prescriptions[0].id,
          pharmacyId: 'pharm-001',
          quantity: 21,
        }),
      );
      expect(run.stdout).not.toContain('FILLED_BEFORE_TRANSMISSION');
      // The tokens are the block's business: none reaches its output.
      expect(run.stdout).not.toMatch(JWT);
    },
    WALKTHROUGH_TIMEOUT_MS + 10_000,
  );

  (findChromium() ? it : it.skip)(
    "the README's screen: at npm start's screen the documented physician signs in, enters a record and watches it reach the three systems",
    async () => {
      // The screen npm start runs, as a person opens it: its own process, the provider's
      // registered redirect, the password the README says to look up.
      const screen = `http://127.0.0.1:${ports.web}`;
      expect(output).toContain(`screen        ${screen}`);
      const staff = spawnSync('npm', ['run', '-s', 'clinic', '--', 'staff'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      const password = /^\s+physician\s+physician\s+-\s+(\S+)$/m.exec(staff.stdout)?.[1];
      expect(password).toBeDefined();
      const browser = await launchBrowser();
      try {
        const page = await newPage(browser);
        await signIn(page, screen, 'physician', password!);
        await registerPatient(page, {
          givenName: 'Quinn',
          familyName: 'Readmetest',
          dateOfBirth: '1985-05-05',
        });
        await page.getByRole('link', { name: 'New record' }).click();
        await enterRecord(page);
        await threeEffectsShown(page, 30_000);
        expect(await page.locator('#journey-progress').textContent()).toMatch(
          /^All 3 admitted consumers done/,
        );
      } finally {
        await browser.close();
      }
    },
    WALKTHROUGH_TIMEOUT_MS,
  );

  it(
    "runs the workshop's terminal steps in order: tokens, the doctor on moto, a forged message, the audit trail, sign-out",
    () => {
      const blocks = markedBlocks(
        'docs/workshop.md',
        readFileSync(path.join(ROOT, 'docs/workshop.md'), 'utf8'),
      );
      const joined = scriptOf(blocks);
      const script = rewrite(joined, [
        ...appPortRewrites().filter(([from]) => joined.includes(from)), // not every lab uses every app
        ['127.0.0.1:4566', `127.0.0.1:${ports.broker}`],
        ['port: 5433', `port: ${ports.postgres}`],
        ['MOTO_PORT=5000', `MOTO_PORT=${ports.moto}`],
        ['> moto.log', `> ${path.join(stateDir, 'moto.log')}`],
        ['cat .clinic/', `cat ${stateDir}/`],
      ]);
      expect(script).not.toMatch(/127\.0\.0\.1:(300[0-4]|4566|5000)\b|5433|\.clinic\//);

      const run = runScript(script, env, WORKSHOP_TIMEOUT_MS);
      const outputs = outputsByBlock(blocks, run.stdout);
      // The output, to read on failure: which block stopped the script, and what it printed.
      if (run.status !== 0 || run.signal !== null)
        throw new Error(`the workshop stopped (${run.status ?? run.signal}):\n${run.stdout.slice(-20_000)}`);
      expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
      expect(outputs.filter((o) => o !== undefined)).toHaveLength(blocks.length);
      /** What the block whose code holds `snippet` printed. */
      const of = (snippet: string): string => {
        const at = blocks.findIndex((b: DocBlock) => b.code.includes(snippet));
        if (at < 0) throw new Error(`no run block of docs/workshop.md holds "${snippet}"`);
        return outputs[at];
      };

      // Lab 2: the administrator reads the key-use counters.
      expect(JSON.parse(of('/key-use').trim())).toEqual(expect.any(Object));
      // Lab 2: the doctor on the embedded profile says what is true there, grouped, in short lines.
      const embedded = of('npm run clinic -- doctor\n');
      expect(embedded).toMatch(/^OK: \d+ passed, 2 warnings, 0 failed$/m);
      expect(embedded).toMatch(/^queue clinic-billing +PASS {2}\d+ passed$/m);
      expect(embedded).toContain('there is no KMS');
      expect(embedded).toContain('envelope-encrypted with the local master key');
      expect(embedded).not.toContain('encrypted with the customer-managed');
      const doctorLines = embedded.slice(embedded.indexOf('Checking the')).split('\n');
      expect(doctorLines.filter((l) => l.length >= 100)).toEqual([]);
      // Lab 3: moto started (its port was free), the topology provisioned, the doctor OK.
      const fresh = of('MOTO_PORT=');
      expect(fresh).not.toContain('is taken by another program');
      expect(fresh).toMatch(/^OK: \d+ passed, \d+ warnings?, 0 failed$/m);
      expect(fresh).toMatch(/^queue clinic-billing +PASS {2}\d+ passed$/m);
      expect(readFileSync(path.join(stateDir, 'moto.log'), 'utf8')).toMatch(/POST \/ HTTP/); // moto's log went there
      // ... the Billing queue on alias/aws/sqs: the doctor fails it, exit code 1.
      const awsManaged = of("KmsMasterKeyId: 'alias/aws/sqs'");
      expect(awsManaged).toContain('clinic-billing is now on the AWS-managed key alias/aws/sqs');
      expect(awsManaged).toMatch(/^queue clinic-billing +FAIL {2}/m);
      expect(awsManaged).toContain('[queue.encryption]');
      expect(awsManaged).toContain('doctor exit code 1');
      // ... provisioning repairs it.
      const repaired = of('# reports the queue as "updated"');
      expect(repaired).toMatch(/updated\s+queue\s+clinic-billing\b/);
      expect(repaired).toMatch(/^OK: /m);
      // ... the key disabled: failed, with a fix that goes to moto, not to AWS.
      const disabled = of('disableKey');
      expect(disabled).toContain('alias/clinic-records is now disabled');
      expect(disabled).toContain('[key.state]');
      expect(disabled.replace(/\s+/g, ' ')).toMatch(
        new RegExp(`aws kms enable-key --key-id [\\w-]+ --endpoint-url http://127\\.0\\.0\\.1:${ports.moto}`),
      );
      expect(disabled).toContain('doctor exit code 1');
      // Lab 4: the forged message is dead-lettered, with its reason.
      expect(of('SendMessageCommand')).toContain('sent a forged message to clinic-billing');
      expect(of('clinic-billing-dlq')).toMatch(/^in the DLQ: DECRYPT_FAILED /m);
      expect(of('dlq list')).toContain('DECRYPT_FAILED');
      // Lab 6: the record, the invoice once Billing has acted, 403 and 401, the audit trail.
      const entered = of('"givenName":"Sam"');
      expect(entered).toMatch(/^\{.*"enteredBy":"[\w-]+".*\}$/m);
      const invoices = entered.split('\n').find((l) => l.startsWith('['));
      expect(JSON.parse(invoices ?? '[]')).toEqual([expect.objectContaining({ status: 'open' })]);
      const refused = of("-w '\\n%{http_code}\\n'").split('\n');
      expect(refused).toContain('403');
      expect(refused).toContain('401');
      const trail = of('PRIVACY=$(');
      expect(trail).toMatch(/\bcreate record 201\b/);
      expect(trail).toMatch(/\blist record 403\b/);
      expect(trail).toMatch(/chain ok/);
      // ... the rewritten entry breaks the chain: audit verify exits 1 naming it.
      const tampered = of('DISABLE TRIGGER');
      expect(tampered).toMatch(/^entry \d+ now says 200$/m);
      expect(tampered).toContain('exit code 1');
      // ... sign-out: no token any more.
      const signedOut = of('logout billing');
      expect(signedOut).toContain('No session for billing');
      expect(signedOut).toMatch(/exit code [1-9]/);
      expect(run.stdout).not.toMatch(JWT);
    },
    WORKSHOP_TIMEOUT_MS + 10_000,
  );

  it(
    'stops on Ctrl-C with a last line from every app, and prints no stray "undefined"',
    async () => {
      const child = npmStart;
      if (!child?.pid) throw new Error('npm start is not running');
      process.kill(-groupOf(child.pid), 'SIGINT');
      // The supervisor's last line; npm itself may have gone already (its children share the pipe).
      await eventually(
        'npm start to stop',
        () => output.includes('clinic stopped'),
        Boolean,
        STOP_TIMEOUT_MS,
      );
      for (const title of ['EMR', 'Billing', 'Scheduling', 'Prescription', 'Clinic screen'])
        expect(output).toMatch(new RegExp(`\\b${title} stopped\\b`));
      // Nest printed an explicit undefined context as a message of its own after "listening on".
      expect(output).toMatch(/EMR listening on/);
      expect(output).not.toMatch(/\bLOG undefined\b|^\S*\s*undefined\s*$/m);
    },
    STOP_TIMEOUT_MS + 10_000,
  );

  function appPortRewrites(): Array<[string, string]> {
    return APPS.map((app) => [`127.0.0.1:${DEFAULT_APP_PORTS[app]}`, `127.0.0.1:${ports[app]}`]);
  }
});
