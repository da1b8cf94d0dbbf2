import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { KeyDeclaration } from '../../topology/topology.types';
import { fail, pass, type Verdict } from '../engine';

/** What a topic's or queue's `KmsMasterKeyId` is, against the declared key. */
export interface SseFacts {
  /** The live `KmsMasterKeyId`; empty or undefined when not encrypted with KMS. */
  readonly masterKeyId: string | undefined;
  readonly declared: KeyDeclaration;
  /** DescribeKey of `masterKeyId` (aws profile, unless AWS-managed by its name). */
  readonly meta?: KeyMetadata;
  /** The ARN the declared alias resolves to (aws profile). */
  readonly declaredArn?: string;
  readonly kmsEnforced: boolean;
  /** SNS delivers into it: an AWS-managed key then drops deliveries silently. */
  readonly subscribed: boolean;
}

/** True for `alias/aws/...` (by name or ARN): an AWS-managed key. */
export function awsManagedByName(masterKeyId: string): boolean {
  return /^(alias\/aws\/|arn:[^:]+:kms:[^:]*:[^:]*:alias\/aws\/)/.test(masterKeyId);
}

/** Classifies a `KmsMasterKeyId` against the declared key (architecture notes: 1, 6). */
export function encryptionVerdict(s: SseFacts): Verdict {
  const { masterKeyId, declared, meta, kmsEnforced } = s;
  if (!masterKeyId) {
    return fail(
      'not encrypted with a KMS key (KmsMasterKeyId is empty; SSE-SQS/none is not customer-managed)',
    );
  }
  if (awsManagedByName(masterKeyId) || meta?.KeyManager === 'AWS') {
    return fail(
      s.subscribed
        ? `encrypted with the AWS-managed key ${masterKeyId}: its policy cannot admit SNS, so deliveries are dropped silently`
        : `encrypted with the AWS-managed key ${masterKeyId}, not the customer-managed ${declared.alias}`,
    );
  }
  if (kmsEnforced && !meta) {
    return fail(`KmsMasterKeyId ${masterKeyId} names no existing key: nothing can be encrypted or delivered`);
  }
  const same = kmsEnforced
    ? meta?.Arn !== undefined && meta.Arn === s.declaredArn
    : masterKeyId === declared.alias;
  if (!same) return fail(`encrypted with ${masterKeyId}, not the declared ${declared.alias}`);
  if (kmsEnforced) return pass(`encrypted with the customer-managed ${declared.alias}`);
  // Say what is true here: the broker stores the attribute and encrypts nothing with it.
  return pass(
    `KmsMasterKeyId names ${declared.alias} as declared, but the embedded broker does not enforce ` +
      'it (no KMS): the body is envelope-encrypted with the local key',
  );
}
