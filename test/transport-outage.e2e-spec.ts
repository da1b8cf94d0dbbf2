/**
 * The consumer transport rides out a broker it cannot reach, in the aws profile too: moto behind
 * a TCP proxy that is cut (connections refused and dropped) while the consumer polls. The same
 * poll loop runs against AWS, where a network fault looks the same to it.
 */
import { PatientRecordCreatedV1Event, recordCreated, syntheticRecord } from '@app/contracts';
import { MessagingRuntime } from '@app/crypto-messaging';
import { HandlerSpy } from '@app/crypto-messaging/testing';
import { TcpProxy } from '@app/platform/testing';
import { loadMessagingConfig, clinicRuntime } from '@app/clinic';
import { startTestStack, type TestStack } from '@app/clinic/testing';

describe('EncryptedSqsServer through a broker outage (aws profile, moto)', () => {
  let stack: TestStack | undefined;
  let proxy: TcpProxy;
  let consumerRuntime: MessagingRuntime;

  beforeAll(async () => {
    stack = await startTestStack('aws');
    if (!stack) return;
    const endpoint = new URL(stack.endpoint);
    proxy = await new TcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) }).open();
    consumerRuntime = clinicRuntime(
      loadMessagingConfig({ ...stack.env, AWS_ENDPOINT_URL: proxy.url }),
      'scheduling',
    );
  });
  afterAll(async () => {
    consumerRuntime?.close();
    await proxy?.cut();
    await stack?.stop();
  });

  it('keeps polling while the endpoint is unreachable and consumes what waited once it is back', async () => {
    if (!stack) throw new Error('moto_server is required for this test');
    const server = await consumerRuntime.consumerServer('scheduling', [PatientRecordCreatedV1Event], {
      waitTimeS: 1,
      // A long poll under way when the connection is cut may have taken a message whose answer
      // never arrives: it comes back after this timeout (delayed, never lost).
      visibilityTimeoutS: 5,
    });
    const handled: string[] = [];
    server.addHandler(
      PatientRecordCreatedV1Event.pattern,
      (data: { recordId: string }) => {
        handled.push(data.recordId);
        return Promise.resolve();
      },
      true,
    );
    const spy = HandlerSpy.attach(server);
    server.listen(() => undefined);
    try {
      const publisher = await stack.runtime('emr').publisher();
      const before = await publisher.publish(recordCreated(syntheticRecord()));
      await spy.waitFor((o) => o.eventId === before.eventId && o.outcome === 'acked');

      await proxy.cut();
      const waiting = await publisher.publish(recordCreated(syntheticRecord()));
      // Several receives fail meanwhile (connection refused): the bug this guards ended the
      // poll loop, and the consumer's process, at the first one.
      await new Promise((r) => setTimeout(r, 3_000));
      await proxy.open();
      const outcome = await spy.waitFor((o) => o.eventId === waiting.eventId, 30_000);
      expect(outcome.outcome).toBe('acked');
      expect(handled).toHaveLength(2);
    } finally {
      await server.close();
    }
  }, 90_000);
});
