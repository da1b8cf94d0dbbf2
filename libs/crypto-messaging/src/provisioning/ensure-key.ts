import type { KeyMetadata, KMS } from '@aws-sdk/client-kms';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { requireValue, type AwsCall } from '../plan/aws-errors';
import { keyBlocker, keyStateChanges, type KeyChange } from '../plan/compare';
import { describeKey } from '../plan/lookups';
import type { PlannedKey } from '../plan/plan';
import { sameJson } from '../plan/policies';
import { outcomeOf, type ProvisionRow } from './provision.types';

/** What to do when a key under the alias cannot be brought to the plan. */
const OTHER_KEY_FIX =
  'point the alias at a customer-managed SYMMETRIC_DEFAULT key (aws kms update-alias), or use another resource prefix';

/**
 * Creates the planned key (alias, rotation, policy) or brings an existing one to the plan:
 * cancels a pending deletion, enables it, turns rotation on, rewrites a drifted policy.
 */
export async function ensureKey(
  planned: PlannedKey,
  kms: KMS,
  call: AwsCall,
  emit: (row: ProvisionRow) => void,
): Promise<KeyMetadata> {
  const { alias, description } = planned.declaration;
  const resource = planned.resource;
  const policy = planned.policy;
  const changes: KeyChange[] = [];
  let meta = await call('kms:DescribeKey', resource, () => describeKey(kms, alias));
  const created = !meta;
  if (!meta) {
    const out = await call('kms:CreateKey', resource, () =>
      kms.createKey({
        Description: description,
        KeySpec: planned.keySpec,
        KeyUsage: planned.keyUsage,
        Policy: policy,
        Tags: [{ TagKey: 'managed-by', TagValue: 'crypto-messaging' }],
      }),
    );
    const keyId = requireValue(out.KeyMetadata?.KeyId, 'CreateKey returned no KeyId', resource);
    await call('kms:CreateAlias', resource, () => kms.createAlias({ AliasName: alias, TargetKeyId: keyId }));
    await call('kms:EnableKeyRotation', resource, () => kms.enableKeyRotation({ KeyId: keyId }));
    meta = out.KeyMetadata;
  } else {
    // Key operations take the key id: moto 5.2.1 fails DisableKey/EnableKey given an ARN (500).
    const keyId = requireValue(meta.KeyId, 'DescribeKey returned no KeyId', resource);
    const blocker = keyBlocker(planned, meta);
    if (blocker) throw new MessagingError(MessagingErrorCode.Config, `${blocker}.`, { fix: OTHER_KEY_FIX });
    const stateChanges = keyStateChanges(meta.KeyState);
    if (!stateChanges) {
      throw new MessagingError(
        MessagingErrorCode.Config,
        `${alias} is in state ${meta.KeyState ?? 'unknown'}, which provisioning cannot repair.`,
        {
          fix: 'resolve it in the KMS console (for imported keys: import key material), then provision again',
        },
      );
    }
    for (const change of stateChanges) {
      if (change === 'deletion cancelled') {
        await call('kms:CancelKeyDeletion', resource, () => kms.cancelKeyDeletion({ KeyId: keyId }));
      } else {
        await call('kms:EnableKey', resource, () => kms.enableKey({ KeyId: keyId }));
      }
      changes.push(change);
    }
    const rotation = await call('kms:GetKeyRotationStatus', resource, () =>
      kms.getKeyRotationStatus({ KeyId: keyId }),
    );
    if (rotation.KeyRotationEnabled !== planned.rotation) {
      await call('kms:EnableKeyRotation', resource, () => kms.enableKeyRotation({ KeyId: keyId }));
      changes.push('rotation');
    }
    const live = await call('kms:GetKeyPolicy', resource, () =>
      kms.getKeyPolicy({ KeyId: keyId, PolicyName: 'default' }),
    );
    if (!sameJson(live.Policy, policy)) {
      await call('kms:PutKeyPolicy', resource, () =>
        kms.putKeyPolicy({ KeyId: keyId, PolicyName: 'default', Policy: policy }),
      );
      changes.push('key policy');
    }
  }
  const done = requireValue(meta, 'CreateKey returned no KeyMetadata', resource);
  const arn = requireValue(done.Arn, 'KMS returned no key ARN', resource);
  emit({
    resource,
    kind: 'kms-key',
    name: alias,
    arn,
    encryption: 'customer-managed, symmetric, rotation on',
    outcome: outcomeOf(created, changes),
    changes,
  });
  return done;
}
