/**
 * Fault 5 (aws profile, moto): KMS unavailable for 20 s while records flow, SNS and SQS up. The
 * apps reach moto through a proxy that drops every KMS connection during the outage. Data keys
 * live 1 s here (CLINIC_DATA_KEY_MAX_AGE_S), so the EMR needs GenerateDataKey and the consumers
 * need Decrypt during the outage (they are paused while the first records are published, so
 * those wait under data keys they have not seen): the EMR keeps records in its outbox (or answers 503 and the
 * client retries), consumers retry later; after KMS is back every record takes effect once and
 * nothing is dead-lettered.
 */
import { findMotoServer } from '@app/crypto-messaging/testing';
import { AwsFaultProxy } from '@app/platform/testing';
import { CONSUMERS, FaultClinic, recordResult, resultOf } from './fault-harness';

const OUTAGE_MS = 20_000;
const DATA_KEY_MAX_AGE_S = 1;
const run = findMotoServer() ? describe : describe.skip;

run('fault 5: KMS unavailable for 20 s (aws profile), then back', () => {
  let clinic: FaultClinic;
  let proxy: AwsFaultProxy;
  beforeAll(async () => {
    clinic = await FaultClinic.start('05-kms-outage', [], 'aws');
    proxy = await new AwsFaultProxy(clinic.env.messaging.endpoint).open();
    clinic.appEnv = { AWS_ENDPOINT_URL: proxy.url, CLINIC_DATA_KEY_MAX_AGE_S: String(DATA_KEY_MAX_AGE_S) };
    for (const app of ['emr', 'billing', 'scheduling', 'prescription'] as const) await clinic.startApp(app);
  });
  afterAll(async () => {
    await clinic?.stop();
    await proxy?.close();
  });

  it('holds every record through the outage and delivers each once after it', async () => {
    const patient = await clinic.canaryPatient();
    // The consumers are paused (SIGSTOP) while the first records are published, so that their
    // messages wait in the queues, under data keys no consumer has decrypted yet.
    for (const c of CONSUMERS) clinic.procs[c]!.child.kill('SIGSTOP');
    let before;
    try {
      before = await clinic.burst(patient, 30);
      await clinic.waitUntil('the first records published', async () => {
        const [row] = await clinic.query<{ n: string }>(
          'emr',
          'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL',
        );
        return row.n === '0';
      });
      proxy.kms = 'down';
    } finally {
      for (const c of CONSUMERS) clinic.procs[c]!.child.kill('SIGCONT');
    }
    const cutAt = Date.now();
    // Records posted once the EMR's cached data key has expired need a GenerateDataKey.
    await clinic.waitUntil('the cached data key to expire', () =>
      Promise.resolve(Date.now() - cutAt > 2 * DATA_KEY_MAX_AGE_S * 1000),
    );
    const during = clinic.burst(patient, 20, { concurrency: 2 });
    await clinic.waitUntil(
      'the outage',
      () => Promise.resolve(Date.now() - cutAt >= OUTAGE_MS),
      OUTAGE_MS * 2,
    );
    proxy.kms = 'up';
    const restoredAt = Date.now();
    const second = await during;
    const accepted = [...before.accepted, ...second.accepted];
    const tally = await clinic.waitForEffects(accepted, 180_000);
    const recoveryMs = Date.now() - restoredAt;
    const left = await clinic.waitQuiet(120_000);
    const final = await clinic.tally(accepted);
    const hit = Object.fromEntries(proxy.refused);
    recordResult(
      resultOf(
        clinic,
        '5. KMS down 20 s (aws/moto)',
        final,
        recoveryMs,
        `KMS calls dropped: ${JSON.stringify(hit)}; client retries ${second.retries}`,
      ),
    );

    expect(hit.GenerateDataKey ?? 0).toBeGreaterThan(0); // the EMR met the outage
    expect(hit.Decrypt ?? 0).toBeGreaterThan(0); // so did the consumers
    expect([...before.refused, ...second.refused]).toEqual([]);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: 50, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
