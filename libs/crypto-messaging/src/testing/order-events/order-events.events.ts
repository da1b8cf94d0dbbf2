import { z } from 'zod';
import { defineEvent } from '../../core';

const orderLine = z.object({
  sku: z.string().regex(/^[A-Z0-9-]{3,20}$/),
  quantity: z.number().int().min(1).max(1000),
  unitPriceCents: z.number().int().min(0),
});

/** An order was placed. The address is personal data: it travels only inside the envelope. */
export const OrderPlacedV1Event = defineEvent(
  'order.placed',
  1,
  z.object({
    orderId: z.uuid(),
    lines: z.array(orderLine).min(1),
    currency: z.string().length(3),
    shipTo: z.object({ name: z.string().min(1), street: z.string().min(1), city: z.string().min(1) }),
  }),
);
export type OrderPlacedV1 = z.infer<typeof OrderPlacedV1Event.schema>;
