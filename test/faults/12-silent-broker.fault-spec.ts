/**
 * Fault 12: every connection to the broker goes silent at once, without a reset: what a dropped
 * NAT or load balancer entry, or a half-open socket, looks like to a client. The apps reach the
 * broker through a TCP proxy that stops passing bytes on the connections open at that moment
 * (the consumers' long polls, the EMR's pooled publishing sockets) and lets new ones through.
 * The SDK clients give up on a silent connection (AWS_SILENCE_LIMIT_MS) and retry on a new one:
 * the EMR's relay publishes, the consumers receive again, and every record posted after the fault
 * takes effect once. Without those limits, the relay's publish and the long polls wait forever.
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
    // A silent long poll is given up after the SQS limit; one more may be, on another silent socket.
    const tally = await clinic.waitForEffects(accepted, 5 * AWS_SILENCE_LIMIT_MS.sqs);
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

    // Three consumers with two long polls each, at the least.
    expect(silenced).toBeGreaterThanOrEqual(6);
    expect(before.refused).toEqual([]);
    expect(after.refused).toEqual([]);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: BEFORE + AFTER, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
