/**
 * Fault 6 (aws profile, moto): the topic's KMS key is disabled while the clinic runs. moto 5.2.1
 * keeps serving GenerateDataKey and Decrypt for a disabled key, so the apps reach moto through
 * AwsFaultProxy in `enforce-key-state` mode, which checks DescribeKey and answers what real KMS
 * answers (DisabledException, HTTP 400). Expected: the EMR seals each record's event in the
 * record's transaction (ADR 0007), so a record it cannot seal is refused, typed: 503 with
 * `Retry-After` and the code KMS_KEY_DISABLED, and nothing is saved or published; `clinic doctor`
 * names the key and its state; once the key is enabled again, the clients' retries are accepted
 * and every accepted record takes effect exactly once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { keyOf } from '@app/crypto-messaging';
import { findMotoServer } from '@app/crypto-messaging/testing';
import { AwsFaultProxy } from '@app/platform/testing';
import { sampleRecord } from '../clinic-harness';
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const ROOT = path.resolve(__dirname, '..', '..');
/** Runs `npm run clinic -- <args>` as a user would, capturing its output. */
async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(ROOT, 'tools', 'register.js'), path.join(ROOT, 'tools', 'clinic', 'main.ts'), ...args],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

const run = findMotoServer() ? describe : describe.skip;

run('fault 6: a disabled key (aws profile)', () => {
  let clinic: FaultClinic;
  let proxy: AwsFaultProxy;
  beforeAll(async () => {
    clinic = await FaultClinic.start('06-disabled-key', [], 'aws');
    proxy = await new AwsFaultProxy(clinic.env.messaging.endpoint).open();
    proxy.kms = 'enforce-key-state';
    clinic.appEnv = { AWS_ENDPOINT_URL: proxy.url, CLINIC_DATA_KEY_MAX_AGE_S: '1' };
    for (const app of ['emr', 'billing', 'scheduling', 'prescription'] as const) await clinic.startApp(app);
  });
  afterAll(async () => {
    await clinic?.stop();
    await proxy?.close();
  });

  it('fails typed, publishes nothing, is named by the doctor, and recovers once enabled', async () => {
    const admin = clinic.env.messaging.runtime('key-admin');
    const alias = keyOf(admin.topology, admin.topology.topic.keyRef).alias;
    const keyId = (await admin.clients.kms.describeKey({ KeyId: alias })).KeyMetadata!.KeyId!;
    const patient = await clinic.canaryPatient();
    const before = await clinic.burst(patient, 5);
    expect((await clinic.waitForEffects(before.accepted, 60_000)).lost).toBe(0);

    await admin.clients.kms.disableKey({ KeyId: keyId });
    const recordsUrl = `${clinic.url('emr')}/patients/${patient}/records`;
    const postOnce = async () => {
      const response = await fetch(recordsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await clinic.token('physician')}`,
        },
        body: JSON.stringify(sampleRecord()),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as { id?: string; code?: string },
      };
    };
    const count = async (sql: string) => Number((await clinic.query<{ n: string }>('emr', sql))[0].n);
    // A data key cached before the disable stays usable for its age (1 s here, 5 min by
    // default), as with real KMS: probe with single records until one meets the disabled key.
    const probes: string[] = [];
    await clinic.waitUntil(
      'the EMR to meet the disabled key',
      async () => {
        const answer = await postOnce();
        if (answer.status === 201) probes.push(answer.body.id!);
        return answer.status === 503 && answer.body.code === 'KMS_KEY_DISABLED';
      },
      30_000,
    );
    const recordsBefore = await count('SELECT count(*) AS n FROM medical_records');
    const outboxBefore = await count('SELECT count(*) AS n FROM outbox_events');
    const refusals = [];
    for (let i = 0; i < 10; i++) refusals.push(await postOnce());
    const recordsWhileDisabled = (await count('SELECT count(*) AS n FROM medical_records')) - recordsBefore;
    const outboxWhileDisabled = (await count('SELECT count(*) AS n FROM outbox_events')) - outboxBefore;

    // The doctor, as a user runs it, through the same KMS view.
    // Asynchronously: the proxy runs in this process and must keep answering.
    const doctor = await runCli(['doctor', '--problems'], {
      ...process.env,
      ...clinic.env.env,
      AWS_ENDPOINT_URL: proxy.url,
      NODE_NO_WARNINGS: '1',
    });
    mkdirSync(path.join(clinic.dir, 'cli'), { recursive: true });
    writeFileSync(path.join(clinic.dir, 'cli', 'doctor.txt'), `${doctor.stdout}\n${doctor.stderr}`);

    await admin.clients.kms.enableKey({ KeyId: keyId });
    const enabledAt = Date.now();
    // The ten refused requests, sent again as a client honouring Retry-After would.
    const after = await clinic.burst(patient, 10, { concurrency: 2 });
    const accepted = [...before.accepted, ...probes, ...after.accepted];
    const tally = await clinic.waitForEffects(accepted, 90_000);
    const recoveryMs = Date.now() - enabledAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(accepted);
    recordResult(
      resultOf(
        clinic,
        '6. topic key disabled, then enabled (aws/moto)',
        final,
        recoveryMs,
        `KMS calls refused: ${JSON.stringify(Object.fromEntries(proxy.refused))}; doctor exit ${doctor.status}`,
      ),
    );

    expect(proxy.refused.get('GenerateDataKey') ?? 0).toBeGreaterThan(0);
    // Refused, typed, with a time to come back; nothing saved, nothing published.
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual(Array(10).fill([503, 'KMS_KEY_DISABLED']));
    expect(refusals.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    expect([recordsWhileDisabled, outboxWhileDisabled]).toEqual([0, 0]);
    // The doctor fails and names the key and its state.
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/key state is Disabled/);
    expect(doctor.stdout).toContain(keyId);
    // Recovery: each record once.
    expect(tally.observed).toBe(tally.expected);
    expect(after.accepted).toHaveLength(10);
    expect(final).toMatchObject({
      records: 15 + probes.length,
      lost: 0,
      duplicated: 0,
      acceptedButMissing: 0,
    });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
