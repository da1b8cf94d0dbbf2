import { ConfigError } from '../errors/messaging.error';
import { orderEventsTopology } from '../testing/order-events/order-events.topology';
import { resolveMessagingOptions, type MessagingOptions } from './messaging.config';

const options = (attributes?: readonly string[]): MessagingOptions => ({
  profile: 'aws',
  region: 'eu-west-1',
  topology: { ...orderEventsTopology(), attributes },
});

describe('resolveMessagingOptions', () => {
  it('takes a topology whose routing attributes are its own, and applies the defaults', () => {
    const resolved = resolveMessagingOptions(options(['invoiceable', 'region_code', 'tier.v2']));
    expect(resolved.topology.attributes).toEqual(['invoiceable', 'region_code', 'tier.v2']);
    expect(resolved).toMatchObject({
      algorithm: 'committing',
      dataKeyMaxAgeS: 300,
      dataKeyMaxMessages: 100_000,
    });
  });

  it.each([
    ['dead-letter-reason', '"dead-letter-reason" is set by the library itself'],
    ['event-type', '"event-type" is set by the library itself'],
    ['AWS.trace', 'must not start with "AWS." or "Amazon."'],
    ['', 'must be 1-256 letters'],
    ['has space', 'must be 1-256 letters'],
  ])('refuses the routing attribute %j, naming it and why', (name, why) => {
    const refusal = () => resolveMessagingOptions(options(['invoiceable', name]));
    expect(refusal).toThrow(ConfigError);
    expect(refusal).toThrow(`topology.attributes.1: ${why}`);
  });
});
