/**
 * Fault 12: every connection to the broker goes silent at once, though still open and still
 * acknowledged by the kernel (so TCP keepalive sees nothing wrong): what a broker process frozen
 * with its sockets open looks like, or a proxy or load balancer whose backend hangs. The apps
 * reach the broker through a TCP proxy that stops passing bytes on the connections open at that
 * moment (the consumers' long polls, the apps' pooled sockets) and lets new ones through. The
 * SDK clients give up a silent connection (AWS_SILENCE_LIMIT_MS) and retry on a new one, and the
 * EMR's relay gives each batch a deadline: it publishes again, the consumers receive again, and
 * every record posted after the fault takes effect once. Without the clients' limits, the
 * consumers' long polls wait forever.
 */
import { AWS_SILENCE_LIMIT_MS } from '@app/crypto-messaging';
import { TcpProxy } from '@app/platform/testing';
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const BEFORE = 30;
const AFTER = 30;

describe('fault 12: every broker connection goes silent (no reset), new ones work', () => {
  let clinic: FaultClinic;
  let proxy: TcpProxy;
  beforeAll(async () => {
    clinic = await FaultClinic.start('12-silent-broker', []);
    proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(clinic.env.env.CLINIC_BROKER_PORT) }).open();
    clinic.appEnv = { CLINIC_BROKER_PORT: String(proxy.port) };
    for (const app of ['emr', 'billing', 'scheduling', 'prescription'] as const) await clinic.startApp(app);
  });
  afterAll(async () => {
    await clinic?.stop();
    await proxy?.cut();
  });

  it('gives up the silent connections and delivers every record once', async () => {
    const patient = await clinic.canaryPatient();
    const before = await clinic.burst(patient, BEFORE);
    await clinic.waitForEffects(before.accepted);
    // Idle now: each consumer's long polls are under way, the EMR's sockets wait in its pool.
    const silenced = proxy.stall();
    const stalledAt = Date.now();
    const after = await clinic.burst(patient, AFTER);
    const accepted = [...before.accepted, ...after.accepted];
    // Each silent socket a consumer's request lands on costs one SQS limit (and the SDK's 3 s
    // before it watches a socket), one after another in the worst case; capped inside the
    // suite's 10-minute test timeout, so that a failure still reports its tally.
    const boundMs = Math.min((silenced + 1) * (AWS_SILENCE_LIMIT_MS.sqs + 3_000), 420_000);
    const tally = await clinic.waitForEffects(accepted, boundMs);
    const recoveryMs = Date.now() - stalledAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(accepted);
    recordResult(
      resultOf(
        clinic,
        '12. broker connections silent (no reset)',
        final,
        recoveryMs,
        `${silenced} connections went silent; recovery counts from the moment they did`,
      ),
    );

    // At the least, each consumer's long poll (one receiver each) went silent.
    expect(silenced).toBeGreaterThanOrEqual(3);
    expect(before.refused).toEqual([]);
    expect(after.refused).toEqual([]);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: BEFORE + AFTER, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
