import { z } from 'zod';
import type { DeliveryReport } from '../receipts/record.ts';

// A generic inbound bounce webhook for mail relays and ESPs (their bounce/complaint notifications mapped to
// this shape): each item names the message by the Message-ID Patron sent, or by its idempotency key (the
// X-Patron-Idempotency-Key header).
const bounceSchema = z
  .object({
    messageId: z.string().min(3).max(300).optional().describe('The Message-ID header of the mail, with or without angle brackets'),
    idempotencyKey: z.string().min(1).max(300).optional().describe('The X-Patron-Idempotency-Key header of the mail'),
    type: z.enum(['hard', 'soft', 'complaint']).describe('hard: the address does not exist or refuses for good (suppressed); soft: a temporary failure; complaint: marked as spam (suppressed)'),
    reason: z.string().max(500).optional().describe('The remote server’s diagnostic, e.g. "550 5.1.1 user unknown"'),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => b.messageId !== undefined || b.idempotencyKey !== undefined, { message: 'name the message by messageId or idempotencyKey' });

export const emailBounceWebhookSchema = z.object({ bounces: z.array(bounceSchema).min(1).max(1000) });
export type EmailBounce = z.infer<typeof bounceSchema>;

const outcomes = { hard: 'bounced', soft: 'failed', complaint: 'complaint' } as const;
const labels = { hard: 'hard bounce', soft: 'soft bounce', complaint: 'spam complaint' } as const;

/** One bounce notification as a delivery report. */
export function fromEmailBounce(bounce: EmailBounce, now: Date): DeliveryReport {
  const messageId = bounce.messageId?.trim();
  return {
    channel: 'email',
    ...(messageId ? { providerMessageId: messageId.startsWith('<') ? messageId : `<${messageId}>` } : {}),
    ...(bounce.idempotencyKey ? { idempotencyKey: bounce.idempotencyKey } : {}),
    outcome: outcomes[bounce.type],
    reason: `${labels[bounce.type]}${bounce.reason ? `: ${bounce.reason}` : ''}`,
    at: bounce.at ? new Date(bounce.at) : now,
  };
}
