import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  analyticsSettingsSchema,
  cohortRetention,
  compareKpis,
  dateInZone,
  deleteSpend,
  getAnalyticsSettings,
  clvDistribution,
  getCustomerScores,
  latestScoreRun,
  lifecycleCounts,
  lifecycleFlows,
  listChurnWarnings,
  listSpend,
  precomputedCohorts,
  precomputedKpis,
  precomputeOverview,
  revenueConcentration,
  rfmGrid,
  runScoring,
  saveAnalyticsSettings,
  saveSpend,
  scoreGroupCounts,
  segmentCounts,
  spendEntrySchema,
  tierCounts,
} from '../../analytics/index.ts';
import { PatronError } from '../../lib/errors.ts';
import type { AppContext } from '../context.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write the date as YYYY-MM-DD');
const isoMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'write the month as YYYY-MM');
const words = z.object({ en: z.string(), zh: z.string() });
const groupCount = z.object({ key: z.string(), en: z.string(), zh: z.string(), customers: z.number(), share: z.number(), revenueMinor: z.number() });
const runView = z.object({
  id: z.number(),
  kind: z.string(),
  asOf: z.string(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  customers: z.number(),
  params: z.record(z.string(), z.unknown()).describe('Cut points, lifecycle thresholds, value tier cut points and fitted models used by the run'),
  diagnostics: z.record(z.string(), z.unknown()).describe('Counts, problems (why no CLV, …) and seconds per step'),
});
const nullableNumber = z.number().nullable();
const snapshotView = z
  .object({ runId: z.number(), asOf: z.string(), updatedRunId: z.number(), updatedAt: z.date() })
  .nullable()
  .describe('Which scores the counts are of: built by full run runId (as of asOf), kept current by targeted rescores up to run updatedRunId; null before the first run');

const monthsBack = (asOf: string, months: number) => {
  const y = Number(asOf.slice(0, 4));
  const m = Number(asOf.slice(5, 7)) - 1 - months;
  const d = new Date(Date.UTC(y, m, 1));
  return d.toISOString().slice(0, 7);
};

// The console's overview imports the type from here.
export type { ClvDistribution } from '../../analytics/index.ts';

/** Customer analytics under /api/analytics: scoring runs, RFM, lifecycle, value tiers, churn warnings, cohorts, KPIs, concentration, settings. */
export function analyticsRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['analytics'];

    r.get('/analytics/runs/latest', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary:
          'The latest full scoring run with segment, lifecycle and value tier counts (run is null before the first run); the counts were stored by that run and are kept current by targeted rescores (snapshot says which)',
        response: {
          200: z.object({ run: runView.nullable(), snapshot: snapshotView, segments: z.array(groupCount), lifecycle: z.array(groupCount), valueTiers: z.array(groupCount) }),
        },
      },
      handler: async (req) => {
        const ws = req.caller.workspace.id;
        const counts = await scoreGroupCounts(ctx.db, ws);
        // The run the counts are of, even when a newer run finished since they were read.
        const run = await latestScoreRun(ctx.db, ws, counts.snapshot?.runId);
        return { run: run ?? null, ...counts };
      },
    });

    r.post('/analytics/runs', {
      config: { permission: 'analytics:write' },
      schema: {
        tags,
        summary: 'Score every buyer now (RFM, lifecycle, value tier, CLV, churn warnings); waits for the run to finish',
        body: z.object({
          asOf: isoDate.optional().describe('Score as of this date in the workspace time zone (default today); not before the latest run'),
          cold: z.boolean().default(false).describe('Rebuild customer_stats from raw orders first (after a bulk import)'),
        }),
      },
      handler: async (req) => {
        const summary = await runScoring(ctx.db, req.caller.workspace, { asOf: req.body.asOf, cold: req.body.cold, clock: ctx.clock });
        // The overview reads what the run leaves behind, so it is precomputed as part of the run.
        await precomputeOverview(ctx.db, req.caller.workspace, summary.asOf, ctx.clock);
        return { runId: summary.runId, kind: summary.kind, asOf: summary.asOf, customers: summary.customers, seconds: summary.seconds, segments: summary.segments, stages: summary.stages, tiers: summary.tiers, warnings: summary.warnings, problems: summary.problems };
      },
    });

    r.get('/analytics/rfm/grid', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'The 5×5 R×F grid of current scores: customers, revenue and segment per cell (R 5→1, F 1→5), as stored by the latest run',
        response: { 200: z.object({ cells: z.array(z.object({ r: z.number(), f: z.number(), segment: z.string(), customers: z.number(), revenueMinor: z.number() })), snapshot: snapshotView }) },
      },
      handler: (req) => rfmGrid(ctx.db, req.caller.workspace.id),
    });

    r.get('/analytics/segments', {
      config: { permission: 'analytics:read' },
      schema: { tags, summary: 'Customers and revenue in each of the eleven RFM segments, with English and Chinese names', response: { 200: z.object({ segments: z.array(groupCount) }) } },
      handler: async (req) => ({ segments: await segmentCounts(ctx.db, req.caller.workspace.id) }),
    });

    r.get('/analytics/lifecycle', {
      config: { permission: 'analytics:read' },
      schema: { tags, summary: 'Customers and revenue per lifecycle stage (new, active, won back, dormant, churned)', response: { 200: z.object({ stages: z.array(groupCount) }) } },
      handler: async (req) => ({ stages: await lifecycleCounts(ctx.db, req.caller.workspace.id) }),
    });

    r.get('/analytics/lifecycle/flows', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'Moves between lifecycle stages dated in a period (from = null: the first stage a customer was given), from per-day counts kept with the transitions',
        querystring: z.object({ from: isoDate, to: isoDate }),
        response: { 200: z.object({ flows: z.array(z.object({ from: z.string().nullable(), to: z.string(), customers: z.number() })) }) },
      },
      handler: async (req) => ({ flows: await lifecycleFlows(ctx.db, req.caller.workspace.id, req.query.from, req.query.to) }),
    });

    r.get('/analytics/clv/distribution', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'Customers per predicted-CLV band of the current scores (1-2-5 bands in the workspace currency), and how many have no CLV, as stored by the latest run',
        response: {
          200: z.object({
            bands: z.array(z.object({ fromMinor: z.number(), toMinor: z.number().nullable(), customers: z.number(), clvMinor: z.number() })),
            withoutClv: z.number(),
            snapshot: snapshotView,
          }),
        },
      },
      handler: (req) => clvDistribution(ctx.db, req.caller.workspace.id),
    });

    r.get('/analytics/value-tiers', {
      config: { permission: 'analytics:read' },
      schema: { tags, summary: 'Customers and revenue per value tier (high, mid, low)', response: { 200: z.object({ tiers: z.array(groupCount) }) } },
      handler: async (req) => ({ tiers: await tierCounts(ctx.db, req.caller.workspace.id) }),
    });

    r.get('/analytics/churn-warnings', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'Customers flagged by a run’s churn early warning, with the reasons in words (latest full run by default; page with after)',
        querystring: z.object({
          runId: z.coerce.number().int().positive().optional(),
          after: z.coerce.number().int().min(0).optional().describe('The next value of the previous page'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({
            runId: nullableNumber,
            asOf: z.string().nullable(),
            next: nullableNumber,
            warnings: z.array(
              z.object({
                customerId: z.number(),
                name: z.string().nullable(),
                externalId: z.string().nullable(),
                reasons: z.array(z.string()).readonly(),
                pAlive: nullableNumber,
                previousPAlive: nullableNumber,
                gapDays: z.number(),
                expectedGapDays: nullableNumber,
                lifecycleStage: z.string().nullable(),
                valueTier: z.string().nullable(),
                explanation: words,
              }),
            ),
          }),
        },
      },
      handler: (req) => listChurnWarnings(ctx.db, req.caller.workspace.id, req.query),
    });

    r.get('/analytics/customers/:id/scores', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: "A customer's current scores, each with a one-line explanation in English and Chinese (why “At Risk”)",
        params: z.object({ id: z.coerce.number().int().positive().describe('Customer id') }),
      },
      handler: (req) => getCustomerScores(ctx.db, req.caller.workspace, req.params.id),
    });

    r.get('/analytics/cohorts', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'Monthly acquisition cohorts × months since the first order: active share, revenue per customer, cumulative LTV',
        querystring: z.object({ from: isoMonth.optional().describe('First cohort (default 11 months before asOf)'), to: isoMonth.optional(), asOf: isoDate.optional() }),
      },
      handler: async (req) => {
        const asOf = req.query.asOf ?? dateInZone(ctx.clock.now(), req.caller.workspace.timezone);
        const to = req.query.to ?? asOf.slice(0, 7);
        const from = req.query.from ?? monthsBack(asOf, 11);
        const stored = await precomputedCohorts(ctx.db, req.caller.workspace.id, from, to, asOf);
        if (stored) return { asOf, ...stored };
        return { asOf, cohorts: await cohortRetention(ctx.db, req.caller.workspace, { from, to, asOf }), precomputed: null };
      },
    });

    r.get('/analytics/kpis', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary:
          'KPIs of a period with the previous period and the same period last year: customers, active, new, returning, repurchase rate, AOV, frequency, revenue, churn rate, average LTV, CAC per acquisition channel, NPS and CSAT. The periods the overview offers are precomputed by the scoring run (precomputed says when); others are computed from orders',
        querystring: z.object({ from: isoDate, to: isoDate, fresh: z.stringbool().default(false).describe('Compute from orders even when the run precomputed this period') }),
      },
      handler: async (req) => {
        const stored = req.query.fresh ? undefined : await precomputedKpis(ctx.db, req.caller.workspace.id, req.query.from, req.query.to);
        return stored ?? { ...(await compareKpis(ctx.db, req.caller.workspace, req.query.from, req.query.to)), precomputed: null };
      },
    });

    const spendRow = z.object({ channel: z.string(), periodStart: z.string(), periodEnd: z.string(), amountMinor: z.number(), currency: z.string(), source: z.string() });

    r.get('/analytics/spend', {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        summary: 'Marketing spend per acquisition channel overlapping a period (for CAC)',
        querystring: z.object({ from: isoDate, to: isoDate, channel: z.string().optional() }),
        response: { 200: z.object({ spend: z.array(spendRow) }) },
      },
      handler: async (req) => ({ spend: await listSpend(ctx.db, req.caller.workspace.id, req.query) }),
    });

    r.put('/analytics/spend', {
      config: { permission: 'analytics:write' },
      schema: {
        tags,
        summary: 'Record marketing spend in bulk: per channel and day (YYYY-MM-DD) or month (YYYY-MM), in minor units of the workspace currency; an entry for the same channel and period start is replaced',
        body: z.object({ entries: z.array(spendEntrySchema).min(1).max(10_000) }),
        response: { 200: z.object({ saved: z.number() }) },
      },
      handler: async (req) => {
        const result = await saveSpend(ctx.db, req.caller.workspace, req.body.entries, 'api');
        req.auditChange = { targetType: 'marketing_spend', targetId: req.caller.workspace.id, before: null, after: { entries: req.body.entries.length } };
        return result;
      },
    });

    r.delete('/analytics/spend/:channel/:periodStart', {
      config: { permission: 'analytics:write' },
      schema: {
        tags,
        summary: "Remove a channel's spend entry starting on a day",
        params: z.object({ channel: z.string().min(1), periodStart: isoDate }),
        response: { 204: z.null() },
      },
      handler: async (req, reply) => {
        if (!(await deleteSpend(ctx.db, req.caller.workspace.id, req.params.channel, req.params.periodStart))) {
          throw new PatronError('not_found', `No ${req.params.channel} spend starts on ${req.params.periodStart}`, { path: ['periodStart'], value: req.params.periodStart });
        }
        req.auditChange = { targetType: 'marketing_spend', targetId: req.caller.workspace.id, before: { channel: req.params.channel, periodStart: req.params.periodStart }, after: null };
        return reply.code(204).send(null);
      },
    });

    r.get('/analytics/concentration', {
      config: { permission: 'analytics:read' },
      schema: { tags, summary: 'Revenue concentration: the Pareto curve (share of revenue from the top x% of customers) and the Gini coefficient' },
      handler: (req) => revenueConcentration(ctx.db, req.caller.workspace),
    });

    r.get('/analytics/settings', {
      config: { permission: 'analytics:read' },
      schema: { tags, summary: 'The analytics settings in force (defaults filled in)' },
      handler: (req) => getAnalyticsSettings(ctx.db, req.caller.workspace.id),
    });

    r.put('/analytics/settings', {
      config: { permission: 'analytics:write' },
      schema: { tags, summary: 'Replace the analytics settings (RFM window and scoring, lifecycle thresholds, value tiers, CLV, churn warning, history mode); used from the next run', body: analyticsSettingsSchema },
      handler: async (req) => {
        const before = await getAnalyticsSettings(ctx.db, req.caller.workspace.id);
        const saved = await saveAnalyticsSettings(ctx.db, req.caller.workspace.id, req.body);
        req.auditChange = { targetType: 'analytics_settings', targetId: req.caller.workspace.id, before, after: saved };
        return saved;
      },
    });
  };
}
