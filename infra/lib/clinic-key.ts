import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_ADMIN_ACTIONS } from '@app/crypto-messaging';

/**
 * Key-management actions only: no Encrypt, Decrypt, GenerateDataKey or ReEncrypt. Whoever
 * administers a key must not be able to read what it protects (separation of duties). The same
 * list the library's provisioning writes into key policies, so the two cannot drift.
 */
export { KEY_ADMIN_ACTIONS };

/** What a publisher needs on the topic key: SNS encrypts with a data key it asks KMS for. */
export const PUBLISHER_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'] as const;
/** What a consumer needs on its queue key: SQS decrypts on receive, the envelope is opened. */
export const CONSUMER_KEY_ACTIONS = ['kms:Decrypt'] as const;
/**
 * Metadata only. The Encryption SDK's KMS keyring needs the key ARN to decrypt, and the library
 * resolves the alias to it with DescribeKey (see docs/adr/0004-aws-deployment.md).
 */
export const DESCRIBE_KEY_ACTIONS = ['kms:DescribeKey'] as const;

/** Days a deleted key waits before it is gone: the longest window, to undo a mistake. */
const PENDING_WINDOW_DAYS = 30;

/** Options of {@link ClinicKey}. */
export interface ClinicKeyProps {
  /** `alias/<prefix>-<name>`. */
  readonly alias: string;
  readonly description: string;
  /**
   * Principals that administer the key (rotate, disable, change its policy) but may not use it
   * for cryptography. The account itself always gets these actions, through IAM, so that the
   * key can never become unmanageable.
   */
  readonly admins?: readonly iam.IPrincipal[];
}

/**
 * A customer-managed, symmetric KMS key with rotation on and a key policy that is written
 * statement by statement: administrators apart from users, and every user named.
 * It deliberately does not use the CDK default (`kms:*` for the account), which would let any
 * IAM principal with a broad policy decrypt patient records.
 */
export class ClinicKey extends Construct {
  /** The key; use {@link ClinicKey.allow} rather than `key.grant*` so the key policy names the user. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ClinicKeyProps) {
    super(scope, id);
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersThroughIam',
          principals: [new iam.AccountRootPrincipal()],
          actions: [...KEY_ADMIN_ACTIONS],
          resources: ['*'],
        }),
      ],
    });
    if (props.admins && props.admins.length > 0) {
      policy.addStatements(
        new iam.PolicyStatement({
          sid: 'KeyAdministrators',
          principals: [...props.admins],
          actions: [...KEY_ADMIN_ACTIONS],
          resources: ['*'],
        }),
      );
    }
    this.key = new kms.Key(this, 'Key', {
      alias: props.alias,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(PENDING_WINDOW_DAYS),
      policy,
      // A deleted key makes every message, backup and log it encrypted unreadable forever.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Adds a named statement to the key policy. */
  allow(
    sid: string,
    principals: iam.IPrincipal[],
    actions: readonly string[],
    conditions?: Record<string, unknown>,
  ): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals,
        actions: [...actions],
        resources: ['*'],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }
}
