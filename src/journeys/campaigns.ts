import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import { queueMessages } from '../channels/index.ts';
import type { CampaignsTable, Database } from '../db/index.ts';
import { assignArm, holdoutArm } from '../experiments/index.ts';
import type { Clock } from '../lib/clock.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';

const contentSchema = z.strictObject({
  subject: z.string().max(500).optional(),
  text: z.string().min(1).max(20_000),
  html: z.string().max(200_000).optional(),
  wechatTemplateId: z.string().max(200).optional(),
  data: z.record(z.string(), z.string()).optional(),
});

const variantSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a variant name is 1-32 letters, digits, "_" or "-"').refine((n) => n !== holdoutArm, `"${holdoutArm}" is reserved for the control group`),
    weight: z.number().positive().max(1_000_000).default(1),
    content: contentSchema.optional(),
    templateId: z.number().int().positive().optional(),
  })
  .refine((v) => !v.content !== !v.templateId, 'a variant needs either content or templateId, not both or neither');

export const campaignInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    segmentId: z.number().int().positive().describe('Who receives it: the members of this saved segment when the send starts'),
    channel: z.enum(['email', 'sms', 'wechat', 'webhook', 'preferred']).default('preferred'),
    purpose: z.enum(['marketing', 'transactional']).default('marketing'),
    variants: z.array(variantSchema).min(1).max(10),
    holdoutShare: z.number().min(0).max(0.5).default(0).describe('The share of the audience kept as a random control (receives nothing)'),
    attributionDays: z.number().int().min(1).max(90).default(7).describe('A conversion counts if it happens within this many days after the send'),
    goalEvent: z.string().min(1).max(200).optional().describe('The event that counts as a conversion; without it, any order counts'),
  })
  .refine((c) => new Set(c.variants.map((v) => v.name)).size === c.variants.length, { message: 'two variants have the same name', path: ['variants'] });
export type CampaignInput = z.input<typeof campaignInputSchema>;
type CampaignDefinition = Omit<z.output<typeof campaignInputSchema>, 'name' | 'segmentId'>;

/** A campaign as the API shows it. */
export interface Campaign {
  readonly id: number;
  readonly name: string;
  readonly segmentId: number;
  readonly status: CampaignsTable['status'];
  readonly definition: CampaignDefinition;
  readonly scheduledAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly createdAt: Date;
}

function toCampaign(row: Selectable<CampaignsTable>): Campaign {
  return {
    id: row.id,
    name: row.name,
    segmentId: row.segment_id,
    status: row.status,
    definition: row.definition as unknown as CampaignDefinition,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
  };
}

async function checkSegment(db: Kysely<Database>, workspaceId: number, segmentId: number): Promise<void> {
  const segment = await db.selectFrom('segments').select(['id', 'archived_at']).where('workspace_id', '=', workspaceId).where('id', '=', segmentId).executeTakeFirst();
  if (!segment || segment.archived_at) throw invalidInput(`segment ${segmentId} does not exist or is archived; pick a saved segment as the audience`, { path: ['segmentId'], value: segmentId });
}

/** Saves a campaign as a draft. */
export async function createCampaign(db: Kysely<Database>, workspace: Workspace, input: CampaignInput, clock: Clock): Promise<Campaign> {
  const parsed = campaignInputSchema.parse(input);
  await checkSegment(db, workspace.id, parsed.segmentId);
  const { name, segmentId, ...definition } = parsed;
  const now = clock.now();
  const row = await db
    .insertInto('campaigns')
    .values({ workspace_id: workspace.id, name, segment_id: segmentId, definition: JSON.stringify(definition), status: 'draft', created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCampaign(row);
}

/** One campaign. */
export async function getCampaign(db: Kysely<Database>, workspaceId: number, id: number): Promise<Campaign> {
  const row = await db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new PatronError('not_found', `campaign ${id} does not exist`, { path: ['id'], value: id });
  return toCampaign(row);
}

/** Every campaign of the workspace, newest first. */
export async function listCampaigns(db: Kysely<Database>, workspaceId: number): Promise<Campaign[]> {
  const rows = await db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
  return rows.map(toCampaign);
}

/** Replaces a draft's definition; a campaign that was scheduled or sent cannot change. */
export async function updateCampaign(db: Kysely<Database>, workspace: Workspace, id: number, input: CampaignInput, clock: Clock): Promise<Campaign> {
  const parsed = campaignInputSchema.parse(input);
  await checkSegment(db, workspace.id, parsed.segmentId);
  const { name, segmentId, ...definition } = parsed;
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('campaigns').select('status').where('workspace_id', '=', workspace.id).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new PatronError('not_found', `campaign ${id} does not exist`, { path: ['id'], value: id });
    if (current.status !== 'draft') throw new PatronError('conflict', `campaign ${id} is ${current.status}; only a draft can change (cancel a scheduled one first)`, { path: ['id'], value: id });
    const row = await trx
      .updateTable('campaigns')
      .set({ name, segment_id: segmentId, definition: JSON.stringify(definition), updated_at: clock.now() })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCampaign(row);
  });
}

/** Schedules a draft to send at a time (now when omitted); cancel returns a scheduled campaign to draft. */
export async function scheduleCampaign(db: Kysely<Database>, workspace: Workspace, id: number, at: Date | undefined, clock: Clock): Promise<Campaign> {
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('campaigns').select('status').where('workspace_id', '=', workspace.id).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new PatronError('not_found', `campaign ${id} does not exist`, { path: ['id'], value: id });
    if (current.status !== 'draft') throw new PatronError('conflict', `campaign ${id} is ${current.status}; only a draft can be scheduled`, { path: ['id'], value: id });
    const row = await trx
      .updateTable('campaigns')
      .set({ status: 'scheduled', scheduled_at: at ?? now, updated_at: now })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCampaign(row);
  });
}

/** Stops a scheduled campaign before it starts (back to draft); one already sending cannot be called back. */
export async function cancelCampaign(db: Kysely<Database>, workspace: Workspace, id: number, clock: Clock): Promise<Campaign> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('campaigns').select('status').where('workspace_id', '=', workspace.id).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new PatronError('not_found', `campaign ${id} does not exist`, { path: ['id'], value: id });
    if (current.status !== 'scheduled') throw new PatronError('conflict', `campaign ${id} is ${current.status}; only a scheduled campaign can be cancelled`, { path: ['id'], value: id });
    const row = await trx
      .updateTable('campaigns')
      .set({ status: 'draft', scheduled_at: null, updated_at: clock.now() })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCampaign(row);
  });
}

/** The unit key a campaign assigns by: the same customer always lands in the same arm of one campaign. */
export function campaignUnitKey(campaignId: number, customerId: number): string {
  return `campaign:${campaignId}:customer:${customerId}`;
}

/** What one pass over due campaigns did. */
export interface CampaignPass {
  readonly started: number;
  readonly queued: number;
  readonly finished: number;
}

/**
 * Sends due campaigns. Starting one (under its row lock) snapshots the segment's current members as
 * recipients, each assigned a variant or the holdout by hashing (customer, campaign). Recipients are then
 * sent in batches claimed with FOR UPDATE SKIP LOCKED, each batch's messages queued through the channels
 * outbox in the same transaction that records them, with the key campaign:<id>:<customer>: a crash loses
 * no recipient and sends nobody twice, and several workers can share one campaign.
 */
export async function runDueCampaigns(db: Kysely<Database>, clock: Clock, workspaces: (id: number) => Promise<Workspace>, options: { batch?: number } = {}): Promise<CampaignPass> {
  const now = clock.now();
  let started = 0;
  let queued = 0;
  let finished = 0;
  const due = await db
    .selectFrom('campaigns')
    .select(['workspace_id', 'id'])
    .where('status', 'in', ['scheduled', 'sending'])
    .where('scheduled_at', '<=', now)
    .orderBy('scheduled_at')
    .execute();
  for (const { workspace_id: ws, id } of due) {
    const workspace = await workspaces(ws);
    started += await startCampaign(db, workspace, id, now);
    for (;;) {
      const sent = await sendRecipientBatch(db, workspace, id, now, options.batch ?? 1_000);
      if (sent === 0) break;
      queued += sent;
    }
    finished += await finishCampaign(db, ws, id, now);
  }
  return { started, queued, finished };
}

async function startCampaign(db: Kysely<Database>, workspace: Workspace, id: number, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const campaign = await trx.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspace.id).where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
    if (!campaign || campaign.status !== 'scheduled') return 0;
    const definition = campaign.definition as unknown as CampaignDefinition;
    const members = await trx
      .selectFrom('segment_memberships')
      .select('customer_id')
      .where('workspace_id', '=', workspace.id)
      .where('segment_id', '=', campaign.segment_id)
      .where('exited_at', 'is', null)
      .orderBy('customer_id')
      .execute();
    const arms = definition.variants.map((v) => ({ name: v.name, weight: v.weight }));
    for (let i = 0; i < members.length; i += 10_000) {
      const chunk = members.slice(i, i + 10_000).map((m) => m.customer_id);
      const variants = chunk.map((c) => assignArm(campaignUnitKey(id, c), arms, definition.holdoutShare));
      await sql`
        INSERT INTO campaign_recipients (workspace_id, customer_id, campaign_id, variant, assigned_at, outcome)
        SELECT ${workspace.id}, c, ${id}, v, ${now}, CASE WHEN v = ${holdoutArm} THEN 'holdout' END
        FROM unnest(${chunk}::bigint[], ${variants}::text[]) AS u(c, v)
        ON CONFLICT DO NOTHING`.execute(trx);
    }
    await trx.updateTable('campaigns').set({ status: 'sending', started_at: now, updated_at: now }).where('workspace_id', '=', workspace.id).where('id', '=', id).execute();
    return 1;
  });
}

async function sendRecipientBatch(db: Kysely<Database>, workspace: Workspace, id: number, now: Date, batch: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const campaign = await trx.selectFrom('campaigns').select(['definition', 'status']).where('workspace_id', '=', workspace.id).where('id', '=', id).executeTakeFirstOrThrow();
    if (campaign.status !== 'sending') return 0;
    const definition = campaign.definition as unknown as CampaignDefinition;
    const { rows } = await sql<{ customer_id: number; variant: string }>`
      SELECT customer_id, variant FROM campaign_recipients
      WHERE workspace_id = ${workspace.id} AND campaign_id = ${id} AND outcome IS NULL AND (retry_at IS NULL OR retry_at <= ${now})
      ORDER BY customer_id LIMIT ${batch}
      FOR UPDATE SKIP LOCKED`.execute(trx);
    if (rows.length === 0) return 0;
    const outcomes: { customerId: number; outcome: string | null; messageId: number; retryAt: string | null }[] = [];
    const results = await queueMessages(
      trx,
      workspace,
      rows.map((row) => {
        const variant = definition.variants.find((v) => v.name === row.variant)!;
        return {
          customerId: row.customer_id,
          channel: definition.channel,
          purpose: definition.purpose,
          content: variant.content ?? { templateId: variant.templateId! },
          idempotencyKey: `campaign:${id}:${row.customer_id}`,
          source: { kind: 'campaign', id, variant: row.variant },
        };
      }),
      now,
    );
    rows.forEach((row, i) => {
      const result = results[i]!;
      // Quiet hours hold a message: the recipient stays pending and is tried again when the window opens.
      if (result.status === 'held') outcomes.push({ customerId: row.customer_id, outcome: null, messageId: result.messageId, retryAt: result.until.toISOString() });
      else outcomes.push({ customerId: row.customer_id, outcome: result.status, messageId: result.messageId, retryAt: null });
    });
    await sql`
      UPDATE campaign_recipients r SET outcome = u.outcome, message_id = u.message_id, retry_at = u.retry_at
      FROM unnest(${outcomes.map((o) => o.customerId)}::bigint[], ${outcomes.map((o) => o.outcome)}::text[], ${outcomes.map((o) => o.messageId)}::bigint[],
                  ${outcomes.map((o) => o.retryAt)}::timestamptz[]) AS u(customer_id, outcome, message_id, retry_at)
      WHERE r.workspace_id = ${workspace.id} AND r.campaign_id = ${id} AND r.customer_id = u.customer_id`.execute(trx);
    return rows.length;
  });
}

async function finishCampaign(db: Kysely<Database>, workspaceId: number, id: number, now: Date): Promise<number> {
  const result = await sql`
    UPDATE campaigns SET status = 'sent', finished_at = ${now}, updated_at = ${now}
    WHERE workspace_id = ${workspaceId} AND id = ${id} AND status = 'sending'
      AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.workspace_id = ${workspaceId} AND r.campaign_id = ${id} AND r.outcome IS NULL)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
