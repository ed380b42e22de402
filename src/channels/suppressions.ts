import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { channelKinds, type ChannelKind } from './types.ts';

export const suppressionInputSchema = z.object({
  channel: z.enum(channelKinds),
  /** An email address, phone number, WeChat openid, or (webhook) a customer id. */
  address: z.string().trim().min(1).max(320),
  reason: z.string().trim().min(1).max(200).default('manual'),
});
export type SuppressionInput = z.input<typeof suppressionInputSchema>;

export interface Suppression {
  readonly channel: ChannelKind;
  readonly address: string;
  readonly reason: string;
  readonly source: string;
  readonly createdAt: Date;
}

/** Adds addresses to the suppression list (addresses compare case-insensitively); an address already there keeps its first reason. */
export async function addSuppressions(db: Kysely<Database>, workspaceId: number, inputs: readonly SuppressionInput[], source: string, now: Date): Promise<number> {
  const items = inputs.map((i) => suppressionInputSchema.parse(i));
  if (items.length === 0) return 0;
  const result = await sql`
    INSERT INTO suppressions (workspace_id, channel, address, reason, source, created_at)
    SELECT DISTINCT ON (channel, address) ${workspaceId}, channel, address, reason, ${source}, ${now.toISOString()}::timestamptz
    FROM unnest(${items.map((i) => i.channel)}::text[], ${items.map((i) => i.address.toLowerCase())}::text[], ${items.map((i) => i.reason)}::text[]) AS s (channel, address, reason)
    ON CONFLICT (workspace_id, channel, address) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Removes an address from the suppression list. */
export async function removeSuppression(db: Kysely<Database>, workspaceId: number, channel: ChannelKind, address: string): Promise<void> {
  const result = await db
    .deleteFrom('suppressions')
    .where('workspace_id', '=', workspaceId)
    .where('channel', '=', channel)
    .where('address', '=', address.trim().toLowerCase())
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new PatronError('not_found', `${address} is not on the ${channel} suppression list`, { path: ['address'] });
}

/** Lists the suppression list, newest first, optionally for one channel or addresses starting with a prefix. */
export async function listSuppressions(
  db: Kysely<Database>,
  workspaceId: number,
  filter: { channel?: ChannelKind; prefix?: string; limit?: number } = {},
): Promise<Suppression[]> {
  let query = db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.prefix) query = query.where('address', 'like', `${filter.prefix.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`);
  const rows = await query.orderBy('created_at', 'desc').orderBy('address').limit(filter.limit ?? 200).execute();
  return rows.map((r) => ({ channel: r.channel, address: r.address, reason: r.reason, source: r.source, createdAt: r.created_at }));
}
