import { ConfigError } from '@app/crypto-messaging';
import { loadMessagingConfig } from './messaging.settings';

describe('loadMessagingConfig', () => {
  it('defaults to the embedded profile with the clinic prefix and 5-minute data keys', () => {
    const config = loadMessagingConfig({});
    expect(config).toMatchObject({
      profile: 'embedded',
      prefix: 'clinic',
      region: 'us-east-1',
      brokerPort: 4566,
      postgresPort: 5433,
      dataKeyMaxAgeS: 300,
      algorithm: 'committing',
    });
    expect(config.principals.publisher).toEqual([]);
  });

  it('names every wrong variable and what it must look like', () => {
    const error = (() => {
      try {
        loadMessagingConfig({
          CLINIC_PROFILE: 'cloud',
          CLINIC_BROKER_PORT: '70000',
          AWS_ENDPOINT_URL: 'not a url',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('CLINIC_PROFILE: CLINIC_PROFILE must be "embedded" or "aws"');
    expect(error?.message).toContain('CLINIC_BROKER_PORT');
    expect(error?.message).toContain('AWS_ENDPOINT_URL');
  });

  it('reads principal ARNs for the key policy and refuses malformed ones', () => {
    const config = loadMessagingConfig({
      CLINIC_PUBLISHER_ARNS: 'arn:aws:iam::123456789012:role/emr, arn:aws:iam::123456789012:role/emr-relay',
    });
    expect(config.principals.publisher).toEqual([
      'arn:aws:iam::123456789012:role/emr',
      'arn:aws:iam::123456789012:role/emr-relay',
    ]);
    expect(() => loadMessagingConfig({ CLINIC_KMS_ADMIN_ARNS: 'alice' })).toThrow(
      /CLINIC_KMS_ADMIN_ARNS must list IAM role or user ARNs/,
    );
  });

  it('honours the standard AWS region variables', () => {
    expect(loadMessagingConfig({ AWS_DEFAULT_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(loadMessagingConfig({ AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }).region).toBe(
      'eu-central-1',
    );
  });
});
