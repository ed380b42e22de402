import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { inPool } from '../lib/pool.ts';
import { loadContactPolicy } from './policy/settings.ts';
import { loadProviders, type Providers } from './providers.ts';
import { assertNever } from '../lib/errors.ts';
import type { ChannelKind, DeliveryResult, MessagePurpose, OutgoingMessage, RenderedMessage } from './types.ts';
import { deliverWebhook, deliverWebhookBatch } from './webhook/deliver.ts';
import { deliverEmail } from './email/deliver.ts';
import { deliverSms } from './sms/aliyun.ts';
import { deliverWechat } from './wechat/official-account.ts';

/** After this many attempts a retryable failure becomes a final one. */
export const maxAttempts = 5;
const baseBackoffMs = 30_000;

export interface DispatchOptions {
  /** How many queued messages one call claims (default 500). */
  readonly limit?: number;
  /** How many deliveries run at once (default 32). */
  readonly concurrency?: number;
  /** Deliver only this message, if it is due (a console's "send test message"). */
  readonly only?: { readonly workspaceId: number; readonly customerId: number; readonly id: number };
}

interface WorkspaceContext {
  readonly providers: Providers;
  readonly linkSecret: string;
}

async function deliverOne(message: OutgoingMessage, ctx: WorkspaceContext, now: Date): Promise<DeliveryResult> {
  const channel: ChannelKind = message.channel;
  switch (channel) {
    case 'webhook':
      return ctx.providers.webhook ? deliverWebhook(message, ctx.providers.webhook, now) : notConfigured(channel);
    case 'email':
      return ctx.providers.email ? deliverEmail(message, ctx.providers.email, ctx.linkSecret) : notConfigured(channel);
    case 'sms':
      return ctx.providers.sms ? deliverSms(message, ctx.providers.sms, now) : notConfigured(channel);
    case 'wechat':
      return ctx.providers.wechat ? deliverWechat(message, ctx.providers.wechat, now) : notConfigured(channel);
    default:
      return assertNever(channel, 'channel');
  }
}

function notConfigured(channel: ChannelKind): DeliveryResult {
  return { ok: false, retry: false, reason: `${channel} is no longer configured for this workspace` };
}

/** How long a claimed message is left to its dispatcher before another may take it (a crashed one never reports). */
export const claimLeaseMs = 5 * 60_000;

/**
 * Delivers queued messages that are due. A short transaction claims up to `limit` rows with FOR UPDATE SKIP
 * LOCKED (so several dispatchers never take the same row) and leases them by moving their next attempt
 * `claimLeaseMs` ahead; delivery happens outside any transaction (an embedded store is never blocked by a slow
 * peer), and a second short transaction records each result. A dispatcher that dies in between leaves its rows
 * to be claimed again when the lease ends: they are delivered again with the same idempotency key, which every
 * adapter passes to its peer, so the peer acts once. Retryable failures wait with exponential backoff and
 * become final after maxAttempts.
 */
export async function dispatchMessages(db: Kysely<Database>, clock: Clock, options: DispatchOptions = {}): Promise<{ sent: number; failed: number }> {
  const limit = options.limit ?? 500;
  const concurrency = options.concurrency ?? 32;
  const now = clock.now();
  const claim = await db.transaction().execute(async (trx) => {
    const claimed = await sql<{
      workspace_id: number;
      customer_id: number;
      id: number;
      idempotency_key: string;
      channel: ChannelKind;
      purpose: MessagePurpose;
      address: string | null;
      content: RenderedMessage;
      attempts: number;
    }>`
      UPDATE messages m SET next_attempt_at = ${new Date(now.getTime() + claimLeaseMs).toISOString()}::timestamptz
      FROM (
        SELECT workspace_id, customer_id, id FROM messages
        WHERE status = 'queued' AND next_attempt_at <= ${now.toISOString()}::timestamptz
          ${options.only ? sql`AND workspace_id = ${options.only.workspaceId} AND customer_id = ${options.only.customerId} AND id = ${options.only.id}` : sql``}
        ORDER BY next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE m.workspace_id = due.workspace_id AND m.customer_id = due.customer_id AND m.id = due.id
      RETURNING m.workspace_id, m.customer_id, m.id, m.idempotency_key, m.channel, m.purpose, m.address, m.content, m.attempts`.execute(trx);
    const contexts = new Map<number, WorkspaceContext>();
    for (const workspaceId of new Set(claimed.rows.map((r) => Number(r.workspace_id)))) {
      const [providers, { linkSecret }] = await Promise.all([loadProviders(trx, workspaceId), loadContactPolicy(trx, workspaceId)]);
      contexts.set(workspaceId, { providers, linkSecret });
    }
    return { rows: claimed.rows, contexts };
  });
  if (claim.rows.length === 0) return { sent: 0, failed: 0 };
  const { contexts } = claim;
  const messages: OutgoingMessage[] = claim.rows.map((r) => ({
    workspaceId: Number(r.workspace_id),
    customerId: Number(r.customer_id),
    id: Number(r.id),
    idempotencyKey: r.idempotency_key,
    channel: r.channel,
    purpose: r.purpose,
    address: r.address,
    content: r.content,
    attempts: r.attempts,
  }));
  // Work items: one message each, except webhook messages of a workspace that posts batches.
  const items: OutgoingMessage[][] = [];
  const batches = new Map<number, OutgoingMessage[]>();
  for (const m of messages) {
    const size = m.channel === 'webhook' ? (contexts.get(m.workspaceId)!.providers.webhook?.config.batchSize ?? 1) : 1;
    if (size === 1) {
      items.push([m]);
      continue;
    }
    const open = batches.get(m.workspaceId) ?? [];
    open.push(m);
    if (open.length === size) {
      items.push(open);
      batches.delete(m.workspaceId);
    } else batches.set(m.workspaceId, open);
  }
  items.push(...batches.values());
  const settled = await inPool(items, concurrency, async (group) => {
    const ctx = contexts.get(group[0]!.workspaceId)!;
    const results = group.length > 1 && ctx.providers.webhook ? await deliverWebhookBatch(group, ctx.providers.webhook, now) : [await deliverOne(group[0]!, ctx, now)];
    return group.map((m, i) => [m, results[i]!] as const);
  });
  const flat = settled.flat();
  return db.transaction().execute((trx) =>
    recordResults(
      trx,
      flat.map(([m]) => m),
      flat.map(([, r]) => r),
      now,
    ),
  );
}

async function recordResults(trx: Transaction<Database>, messages: readonly OutgoingMessage[], results: readonly DeliveryResult[], now: Date): Promise<{ sent: number; failed: number }> {
  const status: string[] = [];
  const reason: (string | null)[] = [];
  const providerId: (string | null)[] = [];
  const nextAt: (string | null)[] = [];
  let sent = 0;
  let failed = 0;
  results.forEach((result, i) => {
    const attempts = messages[i]!.attempts + 1;
    if (result.ok) {
      sent += 1;
      status.push('sent');
      reason.push(null);
      providerId.push(result.providerMessageId ?? null);
      nextAt.push(null);
    } else if (result.retry && attempts < maxAttempts) {
      status.push('queued');
      reason.push(result.reason);
      providerId.push(null);
      nextAt.push(new Date(now.getTime() + baseBackoffMs * 2 ** (attempts - 1)).toISOString());
    } else {
      failed += 1;
      status.push(result.bounce ? 'bounced' : 'failed');
      reason.push(result.reason);
      providerId.push(null);
      nextAt.push(null);
    }
  });
  await sql`
    UPDATE messages m
    SET status = CASE WHEN m.status = 'queued' THEN u.status ELSE m.status END,
        reason = CASE WHEN m.status = 'queued' THEN u.reason ELSE m.reason END,
        provider_message_id = coalesce(u.provider_id, m.provider_message_id),
        next_attempt_at = CASE WHEN m.status = 'queued' THEN u.next_at ELSE NULL END,
        attempts = m.attempts + 1,
        sent_at = CASE WHEN u.status = 'sent' THEN ${now.toISOString()}::timestamptz ELSE m.sent_at END
    FROM unnest(${messages.map((m) => m.workspaceId)}::bigint[], ${messages.map((m) => m.customerId)}::bigint[], ${messages.map((m) => m.id)}::bigint[],
                ${status}::text[], ${reason}::text[], ${providerId}::text[], ${nextAt}::timestamptz[])
      AS u (workspace_id, customer_id, id, status, reason, provider_id, next_at)
    WHERE m.workspace_id = u.workspace_id AND m.customer_id = u.customer_id AND m.id = u.id
      -- A receipt can overtake the result of its own delivery (a fast peer reports before this transaction): the
      -- reported status stays, and the send is still recorded.
      AND (m.status = 'queued' OR (m.reported_at IS NOT NULL AND m.sent_at IS NULL))`.execute(trx);
  // A bounced address is suppressed on its channel, so no later message tries it again.
  const bounced = messages.filter((m, i) => status[i] === 'bounced' && m.address);
  if (bounced.length > 0) {
    await sql`
      INSERT INTO suppressions (workspace_id, channel, address, reason, source, created_at)
      SELECT DISTINCT b.workspace_id, b.channel, b.address, 'bounced', 'message ' || b.id, ${now.toISOString()}::timestamptz
      FROM unnest(${bounced.map((m) => m.workspaceId)}::bigint[], ${bounced.map((m) => m.channel)}::text[], ${bounced.map((m) => m.address!.toLowerCase())}::text[],
                  ${bounced.map((m) => m.id)}::bigint[]) AS b (workspace_id, channel, address, id)
      ON CONFLICT (workspace_id, channel, address) DO NOTHING`.execute(trx);
  }
  return { sent, failed };
}
