import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';

const ascending4 = (what: string) =>
  z
    .tuple([z.number().min(0), z.number().min(0), z.number().min(0), z.number().min(0)])
    .refine((t) => t[0] < t[1] && t[1] < t[2] && t[2] < t[3], `${what}: give four cut points in strictly ascending order`);

/**
 * A workspace's analytics settings; every field has a default, so `{}` is a valid setting.
 * Stored in analytics_settings (not workspaces.settings, whose schema belongs to access/).
 */
export const analyticsSettingsSchema = z.object({
  rfm: z
    .object({
      /** Only orders in the last N days count towards frequency and monetary; null = all history (the default, read from customer_stats). */
      windowDays: z.number().int().positive().max(36_500).nullable().default(null),
      /** Frequency counts distinct order days (several orders on one day are one visit) or orders. */
      frequency: z.enum(['order_days', 'orders']).default('order_days'),
      /** Monetary is the net total, or the average per unit of frequency (per order day or per order). */
      monetary: z.enum(['total', 'average']).default('total'),
      /** Scores by quintiles of the workspace's buyers, or by the fixed cut points below. */
      scoring: z.enum(['quintiles', 'thresholds']).default('quintiles'),
      /**
       * Fixed cut points for scoring = 'thresholds'. Recency (days): ≤ t1 → R5, ≤ t2 → R4, ≤ t3 → R3, ≤ t4 → R2, else R1.
       * Frequency and monetary (minor units): ≥ t4 → 5, ≥ t3 → 4, ≥ t2 → 3, ≥ t1 → 2, else 1.
       */
      thresholds: z
        .object({ recencyDays: ascending4('recencyDays'), frequency: ascending4('frequency'), monetaryMinor: ascending4('monetaryMinor') })
        .optional(),
      /** The column axis of the segment grid: F alone (the common R×F grid) or FM = round((F + M) / 2). */
      segmentAxis: z.enum(['f', 'fm']).default('f'),
    })
    .refine((r) => r.scoring !== 'thresholds' || r.thresholds !== undefined, { message: 'scoring "thresholds" needs rfm.thresholds', path: ['thresholds'] })
    .default({ windowDays: null, frequency: 'order_days', monetary: 'total', scoring: 'quintiles', segmentAxis: 'f' }),
  lifecycle: z
    .object({
      /** Days without an order after which a customer is dormant; derived from the data when absent. */
      dormantAfterDays: z.number().int().positive().optional(),
      /** Days without an order after which a customer is churned; derived from the data when absent. */
      churnedAfterDays: z.number().int().positive().optional(),
      /** Percentiles of the repeat buyers' mean inter-purchase time used for the derived thresholds. */
      dormantPercentile: z.number().gt(0).lt(1).default(0.8),
      churnedPercentile: z.number().gt(0).lt(1).default(0.95),
    })
    .refine((l) => l.dormantAfterDays === undefined || l.churnedAfterDays === undefined || l.dormantAfterDays < l.churnedAfterDays, {
      message: 'churnedAfterDays must be greater than dormantAfterDays',
      path: ['churnedAfterDays'],
    })
    .refine((l) => l.dormantPercentile < l.churnedPercentile, { message: 'churnedPercentile must be above dormantPercentile', path: ['churnedPercentile'] })
    .default({ dormantPercentile: 0.8, churnedPercentile: 0.95 }),
  valueTier: z
    .object({
      /** Rank customers by net revenue (history) or by predicted CLV (falls back to revenue when no CLV model could be fitted). */
      basis: z.enum(['revenue', 'clv']).default('revenue'),
      /** The top customers making this share of the total are "high". */
      highShare: z.number().gt(0).lt(1).default(0.5),
      /** The next customers making this share are "mid"; the rest "low". */
      midShare: z.number().gt(0).lt(1).default(0.3),
    })
    .refine((v) => v.highShare + v.midShare <= 1, { message: 'highShare + midShare must not exceed 1', path: ['midShare'] })
    .default({ basis: 'revenue', highShare: 0.5, midShare: 0.3 }),
  clv: z
    .object({
      /** Fit and predict the purchase models (BG/NBD for counts and P(alive), Gamma-Gamma for spend). */
      enabled: z.boolean().default(true),
      /** The models' time unit: days keeps the summary exact; weeks is the literature's. */
      timeUnit: z.enum(['days', 'weeks']).default('days'),
      /** CLV horizon in days. */
      horizonDays: z.number().int().positive().max(3650).default(365),
      /** Yearly discount rate for CLV (0.1 = 10 % a year), applied monthly. */
      annualDiscountRate: z.number().min(0).max(1).default(0.1),
      /**
       * The fit groups t_x and T to multiples of this many days (1 = exact). Null (the default) chooses:
       * exact up to 100,000 buyers, whole weeks above, where exact days leave hundreds of thousands of
       * distinct histories. Predictions always use exact days.
       */
      fitResolutionDays: z.number().int().min(1).max(30).nullable().default(null),
      /** The Gamma-Gamma fit rounds each z̄ to this many significant digits (4 = within ±0.005 %), so near-continuous spend groups into a few thousand levels; null = exact. */
      fitSpendDigits: z.number().int().min(1).max(15).nullable().default(4),
    })
    .default({ enabled: true, timeUnit: 'days', horizonDays: 365, annualDiscountRate: 0.1, fitResolutionDays: null, fitSpendDigits: 4 }),
  churnWarning: z
    .object({
      /** Warn when P(alive) falls below this since the previous run. */
      pAliveThreshold: z.number().gt(0).lt(1).default(0.5),
      /** Warn when the gap since the last order passes k × the customer's expected inter-purchase time. */
      gapMultiple: z.number().gt(0).max(100).default(2),
    })
    .default({ pAliveThreshold: 0.5, gapMultiple: 2 }),
  /** Score history: only rows whose segment, stage or tier changed (compact, the default), or every customer at every full run. */
  history: z.enum(['changes', 'snapshot']).default('changes'),
});
export type AnalyticsSettings = z.output<typeof analyticsSettingsSchema>;
export type AnalyticsSettingsInput = z.input<typeof analyticsSettingsSchema>;

/** The settings in force for a workspace (defaults where none were saved). */
export async function getAnalyticsSettings(db: Kysely<Database>, workspaceId: number): Promise<AnalyticsSettings> {
  const row = await db.selectFrom('analytics_settings').select('settings').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return analyticsSettingsSchema.parse(row?.settings ?? {});
}

/** Validates and saves a workspace's analytics settings (replacing what was there); returns them with defaults filled in. */
export async function saveAnalyticsSettings(db: Kysely<Database>, workspaceId: number, input: AnalyticsSettingsInput): Promise<AnalyticsSettings> {
  const settings = analyticsSettingsSchema.parse(input);
  await db
    .insertInto('analytics_settings')
    .values({ workspace_id: workspaceId, settings: JSON.stringify(settings) })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ settings: JSON.stringify(settings), updated_at: new Date() }))
    .execute();
  return settings;
}
