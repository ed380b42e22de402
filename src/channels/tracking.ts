import { sql, type Kysely } from 'kysely';
import { recordConsents } from '../customers/index.ts';
import type { Database, MessageStatus } from '../db/index.ts';
import { consentChannelOf } from './audience.ts';
import { linkWorkspace, verifyLink, type LinkClaim } from './links.ts';
import type { ChannelKind } from './types.ts';

/** The message a verified link points at. */
export interface TrackedMessage {
  readonly workspaceId: number;
  readonly customerId: number;
  readonly messageId: number;
  readonly channel: ChannelKind;
}

async function verified(db: Kysely<Database>, token: string, kind: LinkClaim['kind'], url?: string): Promise<TrackedMessage | null> {
  const workspaceId = linkWorkspace(token);
  if (workspaceId === null) return null;
  // Only read the secret: a forged token naming an unknown workspace must not create anything.
  const policy = await db.selectFrom('contact_policies').select('link_secret').where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!policy) return null;
  const claim = verifyLink(policy.link_secret, token, url);
  if (!claim || claim.kind !== kind) return null;
  const message = await db
    .selectFrom('messages')
    .select('channel')
    .where('workspace_id', '=', claim.workspaceId)
    .where('customer_id', '=', claim.customerId)
    .where('id', '=', claim.messageId)
    .executeTakeFirst();
  if (!message?.channel) return null;
  return { workspaceId: claim.workspaceId, customerId: claim.customerId, messageId: claim.messageId, channel: message.channel };
}

/** Records the first open of a message (from the pixel); an open also proves delivery. Unknown tokens are ignored. */
export async function recordOpen(db: Kysely<Database>, token: string, now: Date): Promise<TrackedMessage | null> {
  const message = await verified(db, token, 'open');
  if (!message) return null;
  await db
    .updateTable('messages')
    .set((eb) => ({
      opened_at: eb.fn.coalesce('opened_at', eb.val(now)),
      delivered_at: eb.fn.coalesce('delivered_at', eb.val(now)),
      status: sql<MessageStatus>`CASE WHEN status = 'sent' THEN 'delivered' ELSE status END`,
    }))
    .where('workspace_id', '=', message.workspaceId)
    .where('customer_id', '=', message.customerId)
    .where('id', '=', message.messageId)
    .execute();
  return message;
}

/** Records a click and returns where to send the reader; null when the token does not match the URL. */
export async function recordClick(db: Kysely<Database>, token: string, url: string, now: Date): Promise<string | null> {
  const message = await verified(db, token, 'click', url);
  if (!message) return null;
  await db
    .updateTable('messages')
    .set((eb) => ({
      clicked_at: eb.fn.coalesce('clicked_at', eb.val(now)),
      opened_at: eb.fn.coalesce('opened_at', eb.val(now)),
      delivered_at: eb.fn.coalesce('delivered_at', eb.val(now)),
      clicks: eb('clicks', '+', 1),
      status: sql<MessageStatus>`CASE WHEN status = 'sent' THEN 'delivered' ELSE status END`,
    }))
    .where('workspace_id', '=', message.workspaceId)
    .where('customer_id', '=', message.customerId)
    .where('id', '=', message.messageId)
    .execute();
  return url;
}

/**
 * Records the customer's marketing opt-out for the message's channel (source 'unsubscribe link') and marks the
 * message; a repeat changes nothing. Returns the message, or null for a token that does not verify.
 */
export async function unsubscribe(db: Kysely<Database>, token: string, now: Date): Promise<TrackedMessage | null> {
  const message = await verified(db, token, 'unsubscribe');
  if (!message) return null;
  await db.transaction().execute(async (trx) => {
    await recordConsents(trx, message.workspaceId, [
      { customerId: message.customerId, channel: consentChannelOf[message.channel], purpose: 'marketing', status: 'opted_out', source: 'unsubscribe link', recordedAt: now },
    ]);
    await trx
      .updateTable('messages')
      .set((eb) => ({ unsubscribed_at: eb.fn.coalesce('unsubscribed_at', eb.val(now)) }))
      .where('workspace_id', '=', message.workspaceId)
      .where('customer_id', '=', message.customerId)
      .where('id', '=', message.messageId)
      .execute();
  });
  return message;
}
