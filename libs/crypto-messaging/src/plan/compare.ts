/**
 * Planned versus live: which attributes differ, and what a key needs. Pure, and shared by
 * provisioning (which applies the difference) and the doctor (which reports it). Comparisons
 * ignore how a service re-serialises what it stores.
 */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { PlannedAttributes, PlannedKey } from './plan';
import { sameJson } from './policies';

/** The SSE key as the live account knows it: what to write, and what denotes the same key. */
export interface KeyIdentity {
  /** Written into `KmsMasterKeyId`: the key ARN (aws), or the alias (embedded, no KMS). */
  readonly masterKeyId: string;
  /** Values that denote the same key (ARN, key id, alias). */
  readonly sameKey: ReadonlySet<string>;
}

/** The identity of a key in the embedded profile: the broker only stores the alias. */
export function aliasIdentity(alias: string): KeyIdentity {
  return { masterKeyId: alias, sameKey: new Set([alias]) };
}

/** The identity of an existing KMS key, from its metadata. */
export function kmsIdentity(
  alias: string,
  meta: Pick<KeyMetadata, 'Arn' | 'KeyId'>,
  arn: string,
): KeyIdentity {
  return { masterKeyId: arn, sameKey: new Set([arn, alias, meta.KeyId ?? arn]) };
}

/** A redrive policy as SQS stores it (`maxReceiveCount` may come back as a string). */
export interface RedrivePolicy {
  readonly deadLetterTargetArn?: string;
  readonly maxReceiveCount?: string | number;
}

/** Parses a `RedrivePolicy` attribute; undefined when absent or not JSON. */
export function parseRedrive(text: string | undefined): RedrivePolicy | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as RedrivePolicy;
  } catch {
    return undefined;
  }
}

/** True when a live attribute holds the planned value. `key` resolves `KmsMasterKeyId`. */
export function sameAttribute(
  attribute: string,
  live: string | undefined,
  wanted: string,
  key?: KeyIdentity,
): boolean {
  switch (attribute) {
    case 'KmsMasterKeyId':
      return key ? key.sameKey.has(live ?? '') : live === wanted;
    case 'Policy':
    case 'FilterPolicy':
      return sameJson(live, wanted);
    case 'RedrivePolicy':
      return sameRedrive(live, wanted);
    // SNS omits FilterPolicyScope on subscriptions that never set it: the default is MessageAttributes.
    case 'FilterPolicyScope':
      return (live ?? 'MessageAttributes') === wanted;
    case 'RawMessageDelivery':
      return (live ?? 'false') === wanted;
  }
  if (live === undefined) return false;
  if (/^\d+$/.test(wanted)) return Number(live) === Number(wanted);
  return live === wanted;
}

function sameRedrive(live: string | undefined, wanted: string): boolean {
  const a = parseRedrive(live);
  const b = parseRedrive(wanted);
  return (
    a !== undefined &&
    b !== undefined &&
    a.deadLetterTargetArn === b.deadLetterTargetArn &&
    Number(a.maxReceiveCount) === Number(b.maxReceiveCount)
  );
}

/** The names of the planned attributes whose live value differs, in plan order. */
export function attributeDrift(
  planned: PlannedAttributes,
  live: Readonly<Record<string, string | undefined>>,
  key?: KeyIdentity,
): string[] {
  return Object.entries(planned)
    .filter(([attribute, wanted]) => !sameAttribute(attribute, live[attribute], wanted, key))
    .map(([attribute]) => attribute);
}

/** The planned attributes as written: `KmsMasterKeyId` is the key's live identity. */
export function attributesToWrite(planned: PlannedAttributes, key: KeyIdentity): Record<string, string> {
  return 'KmsMasterKeyId' in planned ? { ...planned, KmsMasterKeyId: key.masterKeyId } : { ...planned };
}

/** What provisioning does to bring an existing key to the plan, named as its report rows say. */
export type KeyChange = 'deletion cancelled' | 'enabled' | 'rotation' | 'key policy';

/**
 * The state changes an existing key needs: cancel a pending deletion, enable it. Undefined
 * when provisioning cannot repair the state (pending import, unavailable...).
 */
export function keyStateChanges(state: string | undefined): KeyChange[] | undefined {
  if (state === 'Enabled') return [];
  if (state === 'Disabled') return ['enabled'];
  if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion')
    return ['deletion cancelled', 'enabled'];
  return undefined;
}

/** Why a live key cannot be brought to the plan at all (another key must take the alias). */
export function keyBlocker(
  planned: PlannedKey,
  meta: Pick<KeyMetadata, 'KeyManager' | 'KeySpec' | 'KeyUsage'>,
): string | undefined {
  const alias = planned.declaration.alias;
  if (meta.KeyManager === 'AWS') {
    return `${alias} points at an AWS-managed key: SNS cannot deliver to queues on it and its policy cannot be changed`;
  }
  if (meta.KeySpec !== planned.keySpec || meta.KeyUsage !== planned.keyUsage) {
    return (
      `${alias} points at a ${meta.KeySpec ?? 'non-symmetric'} key: SNS and SQS encryption need a ` +
      `${planned.keySpec} ${planned.keyUsage} key`
    );
  }
  return undefined;
}

/** A live key as far as the plan speaks of it. */
export interface LiveKey {
  readonly state: string | undefined;
  readonly rotation: boolean | undefined;
  readonly policy: string | undefined;
}

/** Everything provisioning would change on an existing key, in the order it does. */
export function keyDrift(planned: PlannedKey, live: LiveKey): KeyChange[] {
  return [
    ...(keyStateChanges(live.state) ?? []),
    ...(live.rotation === planned.rotation ? [] : (['rotation'] as const)),
    ...(sameJson(live.policy, planned.policy) ? [] : (['key policy'] as const)),
  ];
}
