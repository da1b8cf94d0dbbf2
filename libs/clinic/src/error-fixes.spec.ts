import { ConfigError, MessagingError, MessagingErrorCode } from '@app/crypto-messaging';
import { clinicFixOf, describeClinicError } from './error-fixes';

describe("the clinic's fixes for library errors", () => {
  const notProvisioned = new MessagingError(
    MessagingErrorCode.NotProvisioned,
    'The topic t does not exist at AWS.',
    {
      fix: 'Provision the topology first.',
    },
  );
  const unreachable = new MessagingError(
    MessagingErrorCode.BrokerUnavailable,
    'Cannot reach SNS/SQS at x: Err.',
    {
      fix: 'Check AWS_ENDPOINT_URL, AWS_REGION and credentials.',
    },
  );

  it('names the clinic command where the library said what to do in its own terms', () => {
    expect(describeClinicError(notProvisioned, 'aws')).toBe(
      'The topic t does not exist at AWS. Run "npm run clinic -- provision" first.',
    );
    expect(describeClinicError(unreachable, 'embedded')).toBe(
      'Cannot reach SNS/SQS at x: Err. Start the embedded stack ("npm start"), or check CLINIC_BROKER_PORT.',
    );
    for (const code of [MessagingErrorCode.KmsKeyDisabled, MessagingErrorCode.KmsAccessDenied]) {
      expect(clinicFixOf(new MessagingError(code, 'm'), 'aws')).toContain('npm run clinic -- doctor');
    }
    expect(clinicFixOf(new MessagingError(MessagingErrorCode.KmsKeyNotFound, 'm'), 'aws')).toContain(
      'npm run clinic -- provision',
    );
    // As kmsKeyProvider raises it for an unknown alias (libs/crypto-messaging/src/keys/kms-errors.e2e-spec.ts).
    const unknownKey = new MessagingError(
      MessagingErrorCode.KmsKeyNotFound,
      'KMS key alias/no-such-key was not found in this account and region.',
      {
        fix: 'Create it by provisioning the topology, or check AWS_REGION.',
      },
    );
    expect(describeClinicError(unknownKey, 'aws')).toContain('npm run clinic -- provision');
  });

  it("keeps a specific fix specific, in the clinic's commands and as a sentence", () => {
    const denied = new MessagingError(
      MessagingErrorCode.KmsAccessDenied,
      'kms:CreateKey for key records failed: AccessDenied: no.',
      {
        fix: 'grant the caller kms:CreateKey on key records (IAM policy and key policy)',
      },
    );
    expect(clinicFixOf(denied, 'aws')).toBe(
      'Grant the caller kms:CreateKey on key records (IAM policy and key policy).',
    );
    const drift = new MessagingError(MessagingErrorCode.KmsUnavailable, 'm', {
      fix: 'check the credentials and the endpoint, then provision the topology again',
    });
    expect(clinicFixOf(drift, 'aws')).toBe(
      'Check the credentials and the endpoint, then run "npm run clinic -- provision" again.',
    );
    const disabled = new MessagingError(MessagingErrorCode.KmsKeyDisabled, 'm', {
      fix: 'Enable it (aws kms enable-key / cancel-key-deletion), then run the doctor.',
    });
    expect(clinicFixOf(disabled, 'aws')).toBe(
      'Enable it (aws kms enable-key / cancel-key-deletion), then run "npm run clinic -- doctor".',
    );
  });

  it("keeps the library's fix where the clinic has none of its own, and the message alone without any", () => {
    expect(describeClinicError(unreachable, 'aws')).toBe(
      'Cannot reach SNS/SQS at x: Err. Check AWS_ENDPOINT_URL, AWS_REGION and credentials.',
    );
    expect(describeClinicError(new ConfigError('Invalid configuration:\n  - X: bad'), 'aws')).toBe(
      'Invalid configuration:\n  - X: bad',
    );
    expect(describeClinicError(new TypeError('plain'), 'aws')).toBe('plain');
  });
});
