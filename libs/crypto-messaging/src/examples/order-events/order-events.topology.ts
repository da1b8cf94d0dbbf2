import type { MessagingTopology, QueueDeclaration } from '../../topology/topology.types';

/** SSE data-key reuse on the queues, as SNS does it: 5 minutes. */
const DATA_KEY_REUSE_PERIOD_S = 300;
const MAX_RECEIVE_COUNT = 3;
const VISIBILITY_TIMEOUT_S = 30;
/** Orders wait at most a day for a consumer; a dead-lettered one waits a week for a person. */
const RETENTION_S = 24 * 3600;
const DEAD_LETTER_RETENTION_S = 7 * 24 * 3600;
const RECEIVE_WAIT_TIME_S = 20;

/**
 * Routing facts of the order events: plaintext message attributes, so never anything about the
 * customer. Today the publisher accepts only the names on the library's allowlist, so the
 * example routes on `billable`; its own name would be `invoiceable`.
 */
export const ORDER_ATTRIBUTE = { billable: 'billable' } as const;

/**
 * A second, non-clinic topology: an `orders` service publishes order events to
 * `<prefix>-order-events`; `shipping` ships every order, `invoicing` bills only the billable
 * ones (a free replacement is shipped but never invoiced). One customer-managed key encrypts the
 * topic, the queues, the dead-letter queues and the envelope.
 */
export function orderEventsTopology(prefix = 'shop'): MessagingTopology {
  const queue = (consumer: string, filterPolicy: Record<string, unknown>): QueueDeclaration => ({
    consumer,
    name: `${prefix}-${consumer}`,
    deadLetterQueueName: `${prefix}-${consumer}-dlq`,
    keyRef: 'orders',
    maxReceiveCount: MAX_RECEIVE_COUNT,
    visibilityTimeoutS: VISIBILITY_TIMEOUT_S,
    messageRetentionS: RETENTION_S,
    deadLetterRetentionS: DEAD_LETTER_RETENTION_S,
    receiveWaitTimeS: RECEIVE_WAIT_TIME_S,
    filterPolicy,
    rawMessageDelivery: true,
  });
  const orderEvents = { 'event-type': [{ prefix: 'order.' }] };
  return {
    prefix,
    publisher: 'orders',
    keys: [
      {
        ref: 'orders',
        alias: `alias/${prefix}-orders`,
        description: `${prefix}: order events (topic, queues, dead-letter queues, envelope)`,
      },
    ],
    topic: { name: `${prefix}-order-events`, keyRef: 'orders' },
    queues: [
      queue('shipping', orderEvents),
      queue('invoicing', { ...orderEvents, [ORDER_ATTRIBUTE.billable]: ['true'] }),
    ],
    dataKeyReusePeriodS: DATA_KEY_REUSE_PERIOD_S,
  };
}
