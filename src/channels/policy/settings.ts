import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { channelKinds, type ChannelKind } from '../types.ts';

type Db = Kysely<Database> | Transaction<Database>;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24-hour)');

/** At most `max` marketing messages within a rolling window of `days`. */
export const capRuleSchema = z.object({ max: z.number().int().min(0).max(1000), days: z.number().positive().max(366) });
export type CapRule = z.infer<typeof capRuleSchema>;

/** The workspace's contact policy; every journey and campaign goes through it. */
export const contactPolicySchema = z.object({
  /** Channels tried in order when a request asks for 'preferred' and the preferred one cannot be used. */
  fallbackOrder: z.array(z.enum(channelKinds)).min(1).default(['wechat', 'sms', 'email']),
  /** The customer attribute (customers.attributes) naming their preferred channel. */
  preferredChannelAttribute: z.string().min(1).max(100).default('preferred_channel'),
  caps: z
    .object({
      /** Caps over all channels together. */
      global: z.array(capRuleSchema).max(5).default([]),
      /** Caps per channel, applied in addition to the global ones. */
      perChannel: z.partialRecord(z.enum(channelKinds), z.array(capRuleSchema).max(5)).default({}),
    })
    .default({ global: [], perChannel: {} }),
  /** Marketing is not sent between start and end in the customer's time zone (the window may wrap midnight). */
  quietHours: z.object({ start: timeOfDay, end: timeOfDay, mode: z.enum(['hold', 'skip']).default('hold') }).nullable().default(null),
  /** The share of customers (0–0.5) in the workspace-wide global control group, who never receive marketing. */
  globalControlShare: z.number().min(0).max(0.5).default(0),
});
export type ContactPolicy = z.infer<typeof contactPolicySchema>;
export type ContactPolicyInput = z.input<typeof contactPolicySchema>;

/** The policy with the secret that signs the workspace's tracking and unsubscribe links. */
export interface LoadedPolicy {
  readonly policy: ContactPolicy;
  readonly linkSecret: string;
}

/** Reads the workspace's contact policy (defaults when never saved), creating its link secret on first use. */
export async function loadContactPolicy(db: Db, workspaceId: number): Promise<LoadedPolicy> {
  let row = await db.selectFrom('contact_policies').select(['policy', 'link_secret']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) {
    await db
      .insertInto('contact_policies')
      .values({ workspace_id: workspaceId, policy: '{}', link_secret: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('workspace_id').doNothing())
      .execute();
    row = await db.selectFrom('contact_policies').select(['policy', 'link_secret']).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
  }
  return { policy: contactPolicySchema.parse(row.policy), linkSecret: row.link_secret };
}

/** Replaces the workspace's contact policy. */
export async function saveContactPolicy(db: Db, workspaceId: number, input: ContactPolicyInput, now: Date): Promise<ContactPolicy> {
  const policy = contactPolicySchema.parse(input);
  await loadContactPolicy(db, workspaceId);
  await db
    .updateTable('contact_policies')
    .set({ policy: JSON.stringify(policy), updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .execute();
  return policy;
}

/** The channels to try for a request, in order: the one asked for, or the preferred one then the fallback order. */
export function channelCandidates(policy: ContactPolicy, asked: ChannelKind | 'preferred', preferred: ChannelKind | null): ChannelKind[] {
  if (asked !== 'preferred') return [asked];
  const order = preferred ? [preferred, ...policy.fallbackOrder] : [...policy.fallbackOrder];
  return [...new Set(order)];
}
