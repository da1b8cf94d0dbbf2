import type { KeyMetadata } from '@aws-sdk/client-kms';
import { keyDrift, type LiveKey } from '../../plan/compare';
import type { PlannedKey } from '../../plan/plan';
import type { KeyUsage } from '../../plan/policies';
import type { KeyDeclaration } from '../../topology/topology.types';
import { fail, pass, warn, type CheckRow, type Verdict } from '../engine';
import { driftVerdict } from './drift';
import type { GrantStatus, ServiceGrantStatus } from '../policy-analysis';

/** A declared key and what the live account says of it. */
export interface KeySubject {
  readonly resource: string;
  readonly declaration: KeyDeclaration;
  /** False in the embedded profile: there is no KMS to ask. */
  readonly kmsEnforced: boolean;
  readonly meta?: KeyMetadata;
  readonly live?: LiveKey;
  readonly usage: KeyUsage;
  /** How SNS may use the key, when the topic exists and the key encrypts something SNS handles. */
  readonly snsGrant?: ServiceGrantStatus;
  readonly planned?: PlannedKey;
}

/** A principal the key policy should admit (the publisher, or a consumer). */
export interface PrincipalSubject {
  readonly resource: string;
  readonly role: 'publisher' | 'consumer';
  /** `publisher <arn>`, `consumer billing (<arn>)`. */
  readonly who: string;
  readonly actions: readonly string[];
  readonly grant: GrantStatus;
}

/** The key as found: with a key id and an ARN. */
const found = (s: KeySubject) => (s.kmsEnforced && s.meta?.KeyId && s.meta.Arn ? s.meta : undefined);
const keyIdOf = (s: KeySubject) => s.meta?.KeyId ?? '<key-id>';
const symmetric = (meta: KeyMetadata) =>
  meta.KeySpec === 'SYMMETRIC_DEFAULT' && meta.KeyUsage === 'ENCRYPT_DECRYPT';

/** SNS's grant on a key or queue policy, told the same way wherever it is checked. */
export function snsGrantVerdict(status: ServiceGrantStatus, what: string, actions: string): Verdict {
  switch (status) {
    case 'scoped':
      return pass(`${what} (${actions}), only for this topic`);
    case 'unscoped':
      return warn(
        `${what}, but for any source: add an aws:SourceArn condition so no other topic can use the grant`,
      );
    case 'other-source':
      return fail(
        `grants sns.amazonaws.com ${actions} only for another source ARN, not this topic: deliveries fail`,
      );
    case 'missing':
      return fail(`no grant for sns.amazonaws.com ${actions} from this topic: SNS cannot deliver (silently)`);
  }
}

function usesOf(usage: KeyUsage): string {
  return [
    ...(usage.encryptsTopic ? ['the topic'] : []),
    ...usage.queueConsumers.map((c) => `the ${c} queue`),
  ].join(', ');
}

/** Checks of a declared key (architecture notes: 2, 4, 5). */
export const KEY_CHECKS: readonly CheckRow<KeySubject>[] = [
  {
    id: 'key.kms',
    test: (s) =>
      s.kmsEnforced
        ? undefined
        : warn(
            'no KMS in the embedded profile: key state, rotation and key policy are not checked; ' +
              'the local master key (<state>/master-key.bin) encrypts the envelopes instead',
          ),
    fix: (_, f) => `run the doctor with ${f.awsProfile} against moto, LocalStack or AWS to check the keys`,
  },
  {
    id: 'key.exists',
    test: (s) => (s.kmsEnforced && !found(s) ? fail('no key has this alias') : undefined),
    fix: (_, f) => f.provision,
  },
  {
    id: 'key.customer-managed',
    test: (s) =>
      found(s)?.KeyManager === 'AWS'
        ? fail(
            'the alias points at an AWS-managed key: its policy cannot admit SNS or separate admins from users',
          )
        : undefined,
    fix: (_, f) =>
      `point the alias at a customer-managed key (${f.aws('aws kms update-alias')}), then ${f.provision}`,
  },
  {
    id: 'key.symmetric',
    test: (s) => {
      const meta = found(s);
      if (!meta) return undefined;
      return symmetric(meta)
        ? pass('symmetric encrypt/decrypt key')
        : fail(
            `KeySpec ${meta.KeySpec ?? '?'} / ${meta.KeyUsage ?? '?'}: SNS and SQS need SYMMETRIC_DEFAULT ENCRYPT_DECRYPT`,
          );
    },
    fix: (_, f) =>
      `point the alias at a symmetric key (${f.aws('aws kms update-alias')}), then ${f.provision}`,
  },
  {
    id: 'key.state',
    test: (s) => {
      const meta = found(s);
      if (!meta) return undefined;
      const state = meta.KeyState ?? 'Unknown';
      return state === 'Enabled'
        ? pass('enabled')
        : fail(`key state is ${state}: every publish and delivery that needs it fails`);
    },
    fix: (s, f) =>
      s.meta?.KeyState === 'PendingDeletion'
        ? `cancel the deletion (${f.aws(`aws kms cancel-key-deletion --key-id ${keyIdOf(s)}`)}), then ${f.provision}`
        : s.meta?.KeyState === 'Disabled'
          ? `${f.provision} (enables it) or ${f.aws(`aws kms enable-key --key-id ${keyIdOf(s)}`)}`
          : 'resolve the key state in the KMS console',
  },
  {
    id: 'key.rotation',
    test: (s) => {
      const meta = found(s);
      if (!meta || meta.KeyManager === 'AWS') return undefined;
      return s.live?.rotation ? pass('automatic rotation on') : fail('automatic rotation is off');
    },
    fix: (s, f) => `${f.provision} or ${f.aws(`aws kms enable-key-rotation --key-id ${keyIdOf(s)}`)}`,
  },
  {
    id: 'key.sns-access',
    test: (s) =>
      found(s) && s.snsGrant
        ? snsGrantVerdict(
            s.snsGrant,
            `key policy: SNS may use the key for ${usesOf(s.usage)}`,
            'kms:GenerateDataKey* + kms:Decrypt',
          )
        : undefined,
    fix: (_, f) => f.provision,
  },
  {
    id: 'key.drift',
    test: (s) => {
      if (!found(s) || !s.planned || !s.live) return undefined;
      return driftVerdict(
        keyDrift(s.planned, s.live),
        'state, rotation and key policy as provisioning sets them',
      );
    },
    fix: (_, f) => f.provision,
  },
];

/** Checks of each principal the key policy should admit. */
export const PRINCIPAL_CHECKS: readonly CheckRow<PrincipalSubject>[] = [
  {
    id: 'key.{role}-access',
    test: (s) => {
      switch (s.grant) {
        case 'granted':
          return pass(`key policy lets ${s.who} use the key (${s.actions.join(', ')})`);
        case 'delegated-to-iam':
          return warn(
            `${s.who} may use the key only through the account-root statement: IAM policies decide`,
          );
        case 'missing':
          return fail(`key policy does not let ${s.who} use the key (${s.actions.join(', ')})`);
      }
    },
    fix: (s, f) =>
      s.grant === 'delegated-to-iam'
        ? 'pass the role ARNs to provisioning (principals) so the key policy names them, then re-provision'
        : f.provision,
  },
];
