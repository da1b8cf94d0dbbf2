import { startBroker } from './broker';
import { PortInUseError } from './launch';

describe('the embedded broker', () => {
  it('answers its health check on loopback, refuses a taken port by name, and stops cleanly', async () => {
    const broker = await startBroker({ port: 0 });
    try {
      expect(broker.endpoint).toBe(`http://127.0.0.1:${broker.port}`);
      expect(await broker.healthy()).toBe(true);
      const second = await startBroker({ port: broker.port }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(PortInUseError);
      expect((second as Error).message).toContain(`Port ${broker.port}`);
      expect((second as Error).message).toContain('CLINIC_BROKER_PORT');
    } finally {
      await broker.stop();
    }
    expect(await broker.healthy()).toBe(false);
  });
});
