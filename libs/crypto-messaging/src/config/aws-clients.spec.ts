import { createAwsClients, sqsBodyChecksumNeeded } from './aws-clients';

describe('the SQS body checksum', () => {
  it.each([
    [undefined, true],
    ['https://sqs.eu-west-1.amazonaws.com', false],
    ['https://emulator.example:4566', false],
    ['http://127.0.0.1:4566', false],
    ['http://localhost:5000', false],
    ['http://[::1]:5000', false],
    ['http://moto:5000', true],
    ['http://10.0.0.7:4566', true],
  ])('is checked for endpoint %s: %s', (endpoint, needed) => {
    expect(sqsBodyChecksumNeeded(endpoint)).toBe(needed);
  });

  it('is off on the client where transit has integrity, and the SDK default elsewhere', () => {
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const loopback = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials });
    const remote = createAwsClients({ region: 'us-east-1', endpoint: 'http://moto:5000', credentials });
    try {
      expect(loopback.sqs.config.md5).toBe(false);
      // The SDK's MD5 hash class: every body is checked.
      expect(typeof remote.sqs.config.md5).toBe('function');
    } finally {
      loopback.destroy();
      remote.destroy();
    }
  });
});
