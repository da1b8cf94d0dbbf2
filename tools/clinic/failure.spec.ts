import { ConfigError, MessagingError, MessagingErrorCode } from '@app/crypto-messaging';
import { failureOf } from './failure';

describe('how the clinic CLI ends on an error', () => {
  const notProvisioned = new MessagingError(
    MessagingErrorCode.NotProvisioned,
    'The topic clinic-patient-records does not exist at http://127.0.0.1:4566 (region us-east-1).',
    { fix: 'Provision the topology first.' },
  );
  const unreachable = new MessagingError(
    MessagingErrorCode.BrokerUnavailable,
    'Cannot reach SNS/SQS at http://127.0.0.1:9: TimeoutError.',
    { fix: 'Start the embedded broker, or check the endpoint it listens on.' },
  );

  it("tells the person the clinic's command for a library error, exit code 1", () => {
    expect(failureOf(notProvisioned, {})).toEqual({
      text: '\nerror: The topic clinic-patient-records does not exist at http://127.0.0.1:4566 (region us-east-1). Run "npm run clinic -- provision" first.\n',
      exitCode: 1,
    });
    expect(failureOf(unreachable, { CLINIC_PROFILE: 'embedded' }).text).toContain(
      'Start the embedded stack ("npm start"), or check CLINIC_BROKER_PORT.',
    );
  });

  it('phrases the fix for the configured profile, and for the default one when the settings are wrong', () => {
    expect(failureOf(unreachable, { CLINIC_PROFILE: 'aws' }).text).toContain(
      'Start the embedded broker, or check the endpoint it listens on.',
    );
    expect(failureOf(unreachable, { CLINIC_PROFILE: 'cloud' }).text).toContain('npm start');
  });

  it('ends wrong settings with exit code 2, and anything else with its name only', () => {
    expect(failureOf(new ConfigError('Invalid configuration:\n  - X: bad'), {}).exitCode).toBe(2);
    expect(failureOf(new RangeError('boom'), {})).toEqual({
      text: '\nerror: RangeError: boom\n',
      exitCode: 1,
    });
  });
});
