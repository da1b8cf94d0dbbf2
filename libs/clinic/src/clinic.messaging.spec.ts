import { clinicMessagingOptions, clinicRuntime } from './clinic.messaging';
import { loadMessagingConfig } from './messaging.settings';

describe("the clinic's messaging options", () => {
  it('point the embedded profile at its broker port, the clinic topology and its routing attributes', () => {
    const options = clinicMessagingOptions(
      loadMessagingConfig({
        CLINIC_BROKER_PORT: '4999',
        CLINIC_PREFIX: 'lab',
        CLINIC_STATE_DIR: '/tmp/clinic-x',
      }),
    );
    expect(options).toMatchObject({
      profile: 'embedded',
      endpoint: 'http://127.0.0.1:4999',
      localKeyDir: '/tmp/clinic-x',
    });
    expect(options.topology.topic.name).toBe('lab-patient-records');
    expect(options.topology.attributes).toEqual(
      expect.arrayContaining(['billable', 'has-medications', 'clinic-id']),
    );
  });

  it('leave the aws profile on AWS_ENDPOINT_URL or AWS itself, and map consumer ARNs by name', () => {
    const arn = 'arn:aws:iam::123456789012:role/billing';
    const options = clinicMessagingOptions(
      loadMessagingConfig({ CLINIC_PROFILE: 'aws', CLINIC_CONSUMER_ARNS_BILLING: arn }),
    );
    expect(options.endpoint).toBeUndefined();
    expect(options.principals?.consumers.billing).toEqual([arn]);
  });

  it('build a runtime whose publishers may set the clinic routing attributes', () => {
    const runtime = clinicRuntime(loadMessagingConfig({ CLINIC_STATE_DIR: '/tmp/clinic-x' }), 'emr');
    try {
      expect(runtime.allowedAttributes.has('billable')).toBe(true);
      expect(runtime.allowedAttributes.has('event-id')).toBe(true);
      expect(runtime.allowedAttributes.has('patient-name')).toBe(false);
    } finally {
      runtime.close();
    }
  });
});
