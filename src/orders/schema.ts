import { z } from 'zod';
import { identityTypes } from '../access/index.ts';
import { profilePatchSchema } from '../customers/index.ts';

const minor = z.number().int().refine(Number.isSafeInteger, 'amount is too large');

/** Who placed an order: raw identifiers (normalized on write) and optional profile fields. No customer means a guest order. */
export const orderCustomerSchema = z.object({
  identities: z.array(z.object({ type: z.enum(identityTypes), value: z.string() })).min(1, 'give at least one identifier'),
  profile: profilePatchSchema.optional(),
});

export const orderItemSchema = z.object({
  sku: z.string().trim().min(1).max(200).optional(),
  productName: z.string().trim().min(1).max(500).optional(),
  category: z.string().trim().min(1).max(200).optional(),
  quantity: z.number().positive('quantity must be above 0 (give refunds as refunds)').max(1e9),
  unitPriceMinor: minor.min(0, 'unit price must not be negative'),
  /** Line amount after discounts; defaults to quantity × unit price. */
  amountMinor: minor.min(0, 'line amount must not be negative').optional(),
});

/** An order as every way in (import, tracking API, REST) hands it to the orders module; amounts in minor units. */
export const orderInputSchema = z.object({
  externalId: z.string().trim().min(1, 'an order needs its order number').max(200),
  customer: orderCustomerSchema.optional(),
  channel: z.string().trim().min(1).max(100).optional(),
  store: z.string().trim().min(1).max(200).optional(),
  status: z.enum(['completed', 'cancelled']).default('completed'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency is a three-letter ISO code such as CNY'),
  orderedAt: z.date(),
  /** Order total; defaults to the sum of the lines. */
  totalMinor: minor.min(0, 'order total must not be negative').optional(),
  items: z.array(orderItemSchema).max(10_000).default([]),
});
export type OrderInput = z.input<typeof orderInputSchema>;
export type ParsedOrder = z.output<typeof orderInputSchema>;

/** A refund of part or all of an order, by the order's number, or for a customer's latest earlier order (with the SKU if given). */
export const refundInputSchema = z
  .object({
    externalId: z.string().trim().min(1, 'a refund needs its own id (e.g. the credit note number)').max(200),
    orderExternalId: z.string().trim().min(1).max(200).optional(),
    customer: orderCustomerSchema.optional(),
    sku: z.string().trim().min(1).max(200).optional(),
    amountMinor: minor.positive('a refund amount must be above 0'),
    refundedAt: z.date(),
  })
  .refine((r) => r.orderExternalId !== undefined || r.customer !== undefined, { message: 'name the order (orderExternalId) or the customer of the refund', path: ['orderExternalId'] });
export type RefundInput = z.input<typeof refundInputSchema>;

export const productInputSchema = z.object({
  sku: z.string().trim().min(1, 'a product needs a SKU').max(200),
  name: z.string().trim().min(1, 'a product needs a name').max(500),
  category: z.string().trim().min(1).max(200).optional(),
  priceMinor: minor.min(0).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type ProductInput = z.input<typeof productInputSchema>;
