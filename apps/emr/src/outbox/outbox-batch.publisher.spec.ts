import { MessagingErrorCode } from '@app/crypto-messaging';
import { beforeAbort } from './outbox-batch.publisher';

describe('beforeAbort: the relay deadline over a lookup that may never settle', () => {
  const unhandled = jest.fn();
  beforeAll(() => process.on('unhandledRejection', unhandled));
  afterAll(() => process.off('unhandledRejection', unhandled));
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("gives the lookup's result when it comes first", async () => {
    await expect(beforeAbort(Promise.resolve('arn:topic'), new AbortController().signal)).resolves.toBe(
      'arn:topic',
    );
  });

  it('fails as BROKER_UNAVAILABLE when the deadline comes first, and drops a late failure quietly', async () => {
    let fail!: (error: Error) => void;
    const lookup = new Promise<string>((_, reject) => (fail = reject));
    const deadline = new AbortController();
    const raced = beforeAbort(lookup, deadline.signal);
    deadline.abort();
    await expect(raced).rejects.toMatchObject({ code: MessagingErrorCode.BrokerUnavailable });
    fail(new Error('late'));
    await tick();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('fails at once for a deadline already past, still handling the lookup', async () => {
    let fail!: (error: Error) => void;
    const lookup = new Promise<string>((_, reject) => (fail = reject));
    await expect(beforeAbort(lookup, AbortSignal.abort())).rejects.toMatchObject({
      code: MessagingErrorCode.BrokerUnavailable,
    });
    fail(new Error('late'));
    await tick();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it("passes the lookup's own failure on", async () => {
    await expect(
      beforeAbort(Promise.reject(new Error('NotFound')), new AbortController().signal),
    ).rejects.toThrow('NotFound');
  });
});
