/**
 * Fault 4: the EMR dies between commit and publish. Its connection to the broker is cut (a TCP
 * proxy), so records commit with their outbox rows but cannot be published; the EMR is then
 * killed (kill -9), the connection restored and the EMR restarted. Its outbox relay publishes
 * every waiting row, each record takes effect exactly once.
 */
import { TcpProxy } from '@app/platform/testing';
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const RECORDS = 60;

describe('fault 4: the EMR killed between commit and publish', () => {
  let clinic: FaultClinic;
  let proxy: TcpProxy;
  beforeAll(async () => {
    clinic = await FaultClinic.start('04-emr-kill-before-publish', ['billing', 'scheduling', 'prescription']);
    proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(clinic.env.env.CLINIC_BROKER_PORT) }).open();
    await clinic.startApp('emr', { CLINIC_BROKER_PORT: String(proxy.port) });
  });
  afterAll(async () => {
    await proxy?.cut();
    await clinic?.stop();
  });

  it('publishes every committed record once after the restart', async () => {
    await proxy.cut();
    const patient = await clinic.canaryPatient();
    const burst = await clinic.burst(patient, RECORDS);
    const unpublished = async () =>
      Number(
        (
          await clinic.query<{ n: string }>(
            'emr',
            'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL',
          )
        )[0].n,
      );
    const waiting = await unpublished();
    await clinic.kill('emr');
    await proxy.open();
    await clinic.startApp('emr', { CLINIC_BROKER_PORT: String(proxy.port) });
    const restartedAt = Date.now();
    const tally = await clinic.waitForEffects(burst.accepted, 90_000);
    const recoveryMs = Date.now() - restartedAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(burst.accepted);
    recordResult(
      resultOf(
        clinic,
        '4. EMR kill -9 between commit and publish',
        final,
        recoveryMs,
        `${waiting} outbox rows unpublished at the kill`,
      ),
    );

    expect(burst.refused).toEqual([]);
    expect(waiting).toBe(RECORDS); // committed, none published: the kill landed in between
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: RECORDS, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(await unpublished()).toBe(0);
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
