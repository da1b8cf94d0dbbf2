import { DeliverySink } from './delivery-sink';

describe('DeliverySink', () => {
  it('counts each event once and the repeats as duplicates', () => {
    const sink = new DeliverySink();
    sink.handle('a', { n: 1 });
    sink.handle('b', { n: 2 });
    sink.handle('a', { n: 1 });
    expect(sink.handled).toBe(2);
    expect(sink.duplicates).toBe(1);
  });

  it('refuses an event without a payload, as a handler would', () => {
    expect(() => new DeliverySink().handle('a', null)).toThrow('event without a payload');
  });
});
