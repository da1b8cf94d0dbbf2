import { randomUUID } from 'node:crypto';
import type { PublishRequest } from '../../core';
import { OrderPlacedV1Event, type OrderPlacedV1 } from './order-events.events';
import { ORDER_ATTRIBUTE } from './order-events.topology';

/**
 * A synthetic order: made-up SKUs, a made-up addressee. The address is the personal data of this
 * topology: specs check it never shows outside the envelope.
 */
export function syntheticOrder(overrides: Partial<OrderPlacedV1> = {}): OrderPlacedV1 {
  return {
    orderId: randomUUID(),
    lines: [{ sku: 'SKU-1001', quantity: 2, unitPriceCents: 1250 }],
    currency: 'EUR',
    shipTo: { name: 'Test Addressee', street: '1 Example Way', city: 'Sampletown' },
    ...overrides,
  };
}

/** The publish request for an order: invoicing receives it only when it is invoiceable. */
export function orderPlaced(order: OrderPlacedV1, invoiceable = true): PublishRequest<OrderPlacedV1> {
  return {
    event: OrderPlacedV1Event,
    data: order,
    attributes: { [ORDER_ATTRIBUTE.invoiceable]: String(invoiceable) },
  };
}
