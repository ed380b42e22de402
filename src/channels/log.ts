import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, MessageStatus } from '../db/index.ts';
import { channelKinds, type ChannelKind } from './types.ts';

const statuses = ['queued', 'held', 'sent', 'delivered', 'failed', 'bounced', 'suppressed', 'dry_run'] as const satisfies readonly MessageStatus[];

export const listMessagesSchema = z.object({
  customerId: z.coerce.number().int().positive().optional(),
  channel: z.enum(channelKinds).optional(),
  status: z.enum(statuses).optional(),
  sourceKind: z.enum(['journey', 'campaign', 'api']).optional(),
  sourceId: z.coerce.number().int().positive().optional(),
  /** Cursor: the last id of the previous page; pages go from newest to oldest. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ListMessagesInput = z.input<typeof listMessagesSchema>;

/** One row of the message log, as the API shows it (the rendered content is left out of listings). */
export interface MessageLogEntry {
  readonly id: number;
  readonly customerId: number;
  readonly idempotencyKey: string;
  readonly channel: ChannelKind | null;
  readonly purpose: 'marketing' | 'transactional';
  readonly status: MessageStatus;
  readonly reason: string | null;
  readonly source: { readonly kind: 'journey' | 'campaign' | 'api'; readonly id: number; readonly stepId: string | null; readonly variant: string | null };
  readonly attempts: number;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly deliveredAt: Date | null;
  /** When the provider last reported on the message (delivered, failed, bounced). */
  readonly reportedAt: Date | null;
  readonly openedAt: Date | null;
  readonly clickedAt: Date | null;
  readonly clicks: number;
  readonly unsubscribedAt: Date | null;
}

/** A page of the message log, newest first, with the cursor of the next page. */
export async function listMessages(db: Kysely<Database>, workspaceId: number, input: ListMessagesInput): Promise<{ messages: MessageLogEntry[]; next: number | null }> {
  const f = listMessagesSchema.parse(input);
  let query = db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId);
  if (f.customerId) query = query.where('customer_id', '=', f.customerId);
  if (f.channel) query = query.where('channel', '=', f.channel);
  if (f.status) query = query.where('status', '=', f.status);
  if (f.sourceKind) query = query.where('source_kind', '=', f.sourceKind);
  if (f.sourceId) query = query.where('source_id', '=', f.sourceId);
  if (f.before) query = query.where('id', '<', f.before);
  const rows = await query.orderBy('id', 'desc').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  return {
    messages: page.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      idempotencyKey: r.idempotency_key,
      channel: r.channel,
      purpose: r.purpose,
      status: r.status,
      reason: r.reason,
      source: { kind: r.source_kind, id: r.source_id, stepId: r.step_id, variant: r.variant },
      attempts: r.attempts,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      deliveredAt: r.delivered_at,
      reportedAt: r.reported_at,
      openedAt: r.opened_at,
      clickedAt: r.clicked_at,
      clicks: r.clicks,
      unsubscribedAt: r.unsubscribed_at,
    })),
    next: rows.length > f.limit ? page[page.length - 1]!.id : null,
  };
}
