import { attributeDrift, sameAttribute } from '../../plan/compare';
import { subscriptionAttributes, type PlannedSubscription } from '../../plan/plan';
import type { QueueDeclaration } from '../../topology/topology.types';
import { fail, pass, warn, type CheckRow } from '../engine';
import { driftVerdict } from './drift';

/** A declared queue's subscription; attributes are undefined when the queue is not subscribed. */
export interface SubscriptionSubject {
  readonly resource: string;
  readonly declaration: QueueDeclaration;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly planned?: PlannedSubscription;
}

/** A subscription of the topic that the topology does not declare. */
export interface UndeclaredSubscriptionSubject {
  readonly resource: string;
  readonly arn: string | undefined;
  readonly protocol: string | undefined;
  readonly endpoint: string | undefined;
}

const same = (s: SubscriptionSubject, attribute: string) => {
  const wanted = subscriptionAttributes(s.declaration);
  return sameAttribute(attribute, s.attributes?.[attribute], wanted[attribute]);
};

/** Checks of each declared subscription. */
export const SUBSCRIPTION_CHECKS: readonly CheckRow<SubscriptionSubject>[] = [
  {
    id: 'subscription.exists',
    test: (s) => (s.attributes ? undefined : fail('the queue is not subscribed to the topic')),
    fix: (_, f) => f.provision,
  },
  {
    id: 'subscription.raw-delivery',
    test: (s) => {
      if (!s.attributes) return undefined;
      const wanted = String(s.declaration.rawMessageDelivery);
      return same(s, 'RawMessageDelivery')
        ? pass(`RawMessageDelivery=${wanted}`)
        : fail(
            `RawMessageDelivery is ${s.attributes.RawMessageDelivery ?? 'unset'}, declared ${wanted}: consumers would receive an SNS JSON wrapper`,
          );
    },
    fix: (_, f) => f.provision,
  },
  {
    id: 'subscription.filter-policy',
    test: (s) => {
      if (!s.attributes) return undefined;
      return same(s, 'FilterPolicy') && same(s, 'FilterPolicyScope')
        ? pass('filter policy (MessageAttributes) as declared')
        : fail('filter policy or its scope differs from the declaration: the system gets the wrong records');
    },
    fix: (_, f) => f.provision,
  },
  {
    id: 'subscription.drift',
    test: (s) => {
      if (!s.attributes || !s.planned) return undefined;
      return driftVerdict(
        attributeDrift(s.planned.attributes, s.attributes),
        'attributes as provisioning sets them',
      );
    },
    fix: (_, f) => f.provision,
  },
];

/** The topic delivering somewhere the topology does not say. */
export const UNDECLARED_SUBSCRIPTION_CHECKS: readonly CheckRow<UndeclaredSubscriptionSubject>[] = [
  {
    id: 'subscription.undeclared',
    test: (s) =>
      warn(
        `the topic also delivers to ${s.protocol ?? '?'} ${s.endpoint ?? '?'}, which the topology does not declare`,
      ),
    fix: (s, f) =>
      `declare it in the topology or unsubscribe it (${f.aws(`aws sns unsubscribe --subscription-arn ${s.arn ?? '<arn>'}`)})`,
  },
];
