import { z } from 'zod';
import type { DeliveryReport } from '../receipts/record.ts';

// Receipts a webhook consumer posts back (signed like Patron's own deliveries, with the channel's signing
// secret): each names a message by the idempotency key it was delivered with.
export const webhookReceiptsSchema = z.object({
  receipts: z
    .array(
      z.object({
        idempotencyKey: z.string().min(1).max(300),
        status: z.enum(['delivered', 'failed', 'bounced']),
        reason: z.string().max(500).optional(),
        at: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .min(1)
    .max(1000),
});

/** A consumer's receipts as delivery reports. */
export function fromWebhookReceipts(body: z.infer<typeof webhookReceiptsSchema>, now: Date): DeliveryReport[] {
  return body.receipts.map((r) => ({
    channel: 'webhook',
    idempotencyKey: r.idempotencyKey,
    outcome: r.status,
    reason: r.reason ?? (r.status === 'delivered' ? null : `receiver reported ${r.status}`),
    at: r.at ? new Date(r.at) : now,
  }));
}
