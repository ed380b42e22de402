import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { compareProportions, holdoutArm, type ProportionComparison } from '../experiments/index.ts';
import { getCampaign, type Campaign } from './campaigns.ts';

/** One arm's figures: recipients (intention to treat), what happened to their messages, conversions and revenue. */
export interface ArmResults {
  readonly variant: string;
  readonly recipients: number;
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly suppressed: number;
  readonly opened: number;
  readonly clicked: number;
  readonly unsubscribed: number;
  readonly converted: number;
  readonly conversionRate: number;
  /** Kept revenue (net of refunds, cancelled orders excluded) within the attribution window, minor units. */
  readonly revenueMinor: number;
  /** Conversion rate against the holdout by the two-proportion z-test; null without a holdout (or for the holdout itself). */
  readonly vsHoldout: ProportionComparison | null;
}

export interface CampaignResults {
  readonly campaign: Campaign;
  readonly attribution: { readonly days: number; readonly goal: string };
  readonly arms: ArmResults[];
}

/**
 * A campaign's results per variant and for the holdout. Every assigned recipient counts in its arm,
 * whether or not a message went out (intention to treat), so a variant compares fairly with the holdout.
 * A conversion is the goal event, or any order when the campaign names none, within the attribution
 * window after the send started; message figures come from the channels message log.
 */
export async function campaignResults(db: Kysely<Database>, workspaceId: number, id: number): Promise<CampaignResults> {
  const campaign = await getCampaign(db, workspaceId, id);
  const days = campaign.definition.attributionDays;
  const goal = campaign.definition.goalEvent;
  const window = sql`r.assigned_at + make_interval(days => ${days}::int)`;
  const conversion = goal
    ? sql`EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = r.workspace_id AND e.customer_id = r.customer_id AND e.name = ${goal}
                    AND e.occurred_at >= r.assigned_at AND e.occurred_at < ${window})`
    : sql`EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = r.workspace_id AND o.customer_id = r.customer_id AND o.status <> 'cancelled'
                    AND o.ordered_at >= r.assigned_at AND o.ordered_at < ${window})`;
  const { rows } = await sql<{
    variant: string;
    recipients: number;
    converted: number;
    revenue: number;
    sent: number;
    delivered: number;
    failed: number;
    suppressed: number;
    opened: number;
    clicked: number;
    unsubscribed: number;
  }>`
    SELECT r.variant, count(*)::int AS recipients,
           count(*) FILTER (WHERE ${conversion})::int AS converted,
           coalesce(sum((SELECT sum(o.total_minor - o.refunded_minor) FROM orders o
                         WHERE o.workspace_id = r.workspace_id AND o.customer_id = r.customer_id AND o.status <> 'cancelled'
                           AND o.ordered_at >= r.assigned_at AND o.ordered_at < ${window})), 0)::bigint AS revenue,
           count(m.id) FILTER (WHERE m.status IN ('sent', 'delivered', 'bounced'))::int AS sent,
           count(m.id) FILTER (WHERE m.status = 'delivered' OR m.delivered_at IS NOT NULL)::int AS delivered,
           count(m.id) FILTER (WHERE m.status IN ('failed', 'bounced'))::int AS failed,
           count(m.id) FILTER (WHERE m.status = 'suppressed')::int AS suppressed,
           count(m.id) FILTER (WHERE m.opened_at IS NOT NULL)::int AS opened,
           count(m.id) FILTER (WHERE m.clicked_at IS NOT NULL)::int AS clicked,
           count(m.id) FILTER (WHERE m.unsubscribed_at IS NOT NULL)::int AS unsubscribed
    FROM campaign_recipients r
    LEFT JOIN messages m ON m.workspace_id = r.workspace_id AND m.id = r.message_id
    WHERE r.workspace_id = ${workspaceId} AND r.campaign_id = ${id}
    GROUP BY r.variant
    ORDER BY r.variant = ${holdoutArm}, r.variant`.execute(db);
  const holdout = rows.find((r) => r.variant === holdoutArm);
  const arms = rows.map((r) => ({
    variant: r.variant,
    recipients: r.recipients,
    sent: r.sent,
    delivered: r.delivered,
    failed: r.failed,
    suppressed: r.suppressed,
    opened: r.opened,
    clicked: r.clicked,
    unsubscribed: r.unsubscribed,
    converted: r.converted,
    conversionRate: r.recipients === 0 ? 0 : r.converted / r.recipients,
    revenueMinor: Number(r.revenue),
    vsHoldout:
      holdout && r.variant !== holdoutArm
        ? compareProportions({ conversions: r.converted, total: r.recipients }, { conversions: holdout.converted, total: holdout.recipients })
        : null,
  }));
  return { campaign, attribution: { days, goal: goal ?? 'any order' }, arms };
}
