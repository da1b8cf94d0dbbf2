import type { AwsClients } from '../config/aws-clients';
import type { Profile } from '../config/messaging.config';
import type { KeyPrincipals } from '../plan/policies';
import type { MessagingTopology } from '../topology/topology.types';

/** What provisioning did to one resource. */
export type ProvisionOutcome = 'created' | 'updated' | 'unchanged';

/** The kinds of resource the topology declares. */
export type ResourceKind = 'kms-key' | 'topic' | 'queue' | 'dead-letter-queue' | 'subscription';

/** One line of the provisioning report. */
export interface ProvisionRow {
  /** `<kind> <name>`: the same label the doctor uses. */
  readonly resource: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly arn: string;
  /** The `KmsMasterKeyId` set (key ARN; the alias in the embedded profile), or what the row is. */
  readonly encryption: string;
  readonly outcome: ProvisionOutcome;
  /** What was created or corrected (attribute names, `enabled`, `rotation`...); empty when unchanged. */
  readonly changes: readonly string[];
}

/** Where a consumer's queue and dead-letter queue are. */
export interface QueueEndpoints {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly subscriptionArn: string;
}

/** Everything provisioning did, and the addresses the apps need. */
export interface ProvisionReport {
  readonly profile: Profile;
  readonly rows: readonly ProvisionRow[];
  readonly topicArn: string;
  /** Per consumer (`billing`, ...). */
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  /** Key ARN per key ref (`records`); empty in the embedded profile, which has no KMS. */
  readonly keyArns: Readonly<Record<string, string>>;
}

/** Options of `provisionTopology`. */
export interface ProvisionOptions {
  readonly topology: MessagingTopology;
  readonly clients: Pick<AwsClients, 'sns' | 'sqs' | 'kms'>;
  /** `aws`: KMS keys and key policies too. `embedded`: the broker only, no KMS calls. */
  readonly profile: Profile;
  /** Principals the key policies name; the account root where not given. */
  readonly principals?: KeyPrincipals;
  /** Named in error messages so that "cannot connect" says where. */
  readonly endpoint?: string;
  /** Called as each resource is done, for live progress output. */
  readonly onProgress?: (row: ProvisionRow) => void;
}

/** An outcome from what happened: created, or updated when anything changed. */
export function outcomeOf(created: boolean, changes: readonly string[]): ProvisionOutcome {
  return created ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
}
