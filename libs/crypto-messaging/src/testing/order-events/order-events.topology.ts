import type { MessagingTopology } from '../../topology/topology.types';

/**
 * Routing facts of the order events: plaintext message attributes, so never anything about the
 * customer. The topology declares them (`attributes`): the publisher may set only these, and the
 * doctor checks that the filter policies route on nothing else.
 */
export const ORDER_ATTRIBUTE = { invoiceable: 'invoiceable' } as const;

/** What both queues share: the key, the redrive after 3 receives, a day's retention. */
const QUEUE_SETTINGS = {
  keyRef: 'orders',
  maxReceiveCount: 3,
  visibilityTimeoutS: 30,
  messageRetentionS: 24 * 3600,
  /** A dead-lettered order waits a week for a person. */
  deadLetterRetentionS: 7 * 24 * 3600,
  receiveWaitTimeS: 20,
  /** The body is already ciphertext: no SNS JSON envelope around it. */
  rawMessageDelivery: true,
} as const;

/**
 * A second, non-clinic topology: an `orders` service publishes order events to
 * `<prefix>-order-events`; `shipping` ships every order, `invoicing` bills only the billable
 * ones (a free replacement is shipped but never invoiced). One customer-managed key encrypts the
 * topic, the queues, the dead-letter queues and the envelope.
 */
export function orderEventsTopology(prefix = 'shop'): MessagingTopology {
  const orderEvents = { 'event-type': [{ prefix: 'order.' }] };
  return {
    prefix,
    publisher: 'orders',
    keys: [{ ref: 'orders', alias: `alias/${prefix}-orders`, description: `${prefix}: order events` }],
    topic: { name: `${prefix}-order-events`, keyRef: 'orders' },
    queues: [
      {
        ...QUEUE_SETTINGS,
        consumer: 'shipping',
        name: `${prefix}-shipping`,
        deadLetterQueueName: `${prefix}-shipping-dlq`,
        filterPolicy: orderEvents,
      },
      {
        ...QUEUE_SETTINGS,
        consumer: 'invoicing',
        name: `${prefix}-invoicing`,
        deadLetterQueueName: `${prefix}-invoicing-dlq`,
        filterPolicy: { ...orderEvents, [ORDER_ATTRIBUTE.invoiceable]: ['true'] },
      },
    ],
    attributes: Object.values(ORDER_ATTRIBUTE),
    /** SSE data-key reuse on the queues, as SNS does it: 5 minutes. */
    dataKeyReusePeriodS: 300,
  };
}
