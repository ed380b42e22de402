import { randomInt } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  couponRedemptionSchema,
  couponReport,
  couponTemplateSchema,
  createCouponTemplate,
  getAccount,
  issueCoupons,
  listCouponTemplates,
  listCustomerCoupons,
  listExpiringPoints,
  listPostings,
  postPoints,
  postingRequestSchema,
  redeemCoupon,
  redeemPointsForCoupon,
  requireActiveProgram,
  runDailyLoyaltyJob,
  saveProgram,
  saveProgramSchema,
  tierHistory,
} from '../../loyalty/index.ts';
import type { AppContext } from '../context.ts';
import { memberIdBatches } from '../../segments/index.ts';

const customerParams = z.object({ customerId: z.coerce.number().int().positive().describe('Customer id') });
const templateParams = z.object({ id: z.coerce.number().int().positive().describe('Coupon template id') });
// Coupon codes come from the operating system's generator; tests pass their own seeded source to the domain.
const secureRandom = () => randomInt(0, 2 ** 47) / 2 ** 47;

/** The loyalty program, accounts, postings, tiers and coupons under /api/loyalty. */
export function loyaltyRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['loyalty'];

    r.get('/loyalty/program', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'The active loyalty program and its rules' },
      handler: (req) => requireActiveProgram(ctx.db, req.caller.workspace.id),
    });

    r.put('/loyalty/program', {
      config: { permission: 'loyalty:write' },
      schema: { tags, summary: 'Create the loyalty program, or replace the active one’s rules (later postings follow the new rules)', body: saveProgramSchema },
      handler: async (req) => {
        const current = await requireActiveProgram(ctx.db, req.caller.workspace.id).catch(() => undefined);
        const saved = await saveProgram(ctx.db, req.caller.workspace.id, req.body, ctx.clock, current?.id);
        req.auditChange = { action: 'loyalty.program.save', targetType: 'loyalty_program', targetId: saved.id, before: current ?? null, after: saved };
        return saved;
      },
    });

    r.get('/loyalty/accounts/:customerId', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'A customer’s balance, tier with its benefits, and the points expiring next', params: customerParams },
      handler: (req) => getAccount(ctx.db, req.caller.workspace, req.params.customerId),
    });

    r.get('/loyalty/accounts/:customerId/postings', {
      config: { permission: 'loyalty:read' },
      schema: {
        tags,
        summary: 'A customer’s postings, newest first (cursor: the last id seen)',
        params: customerParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().positive().optional() }),
      },
      handler: (req) => listPostings(ctx.db, req.caller.workspace.id, req.params.customerId, req.query),
    });

    r.post('/loyalty/accounts/:customerId/postings', {
      config: { permission: 'loyalty:write' },
      schema: {
        tags,
        summary: 'Earn on a spend, redeem for a reward, or adjust by hand; idempotent by idempotencyKey (201 when posted, 200 when replayed)',
        params: customerParams,
        body: postingRequestSchema,
      },
      handler: async (req, reply) => {
        const result = await postPoints(ctx.db, req.caller.workspace, req.params.customerId, req.body, ctx.clock);
        // Manual adjustments are money-like changes made by a person: the audit log keeps who, why and how much.
        if (req.body.type === 'adjust' && !result.replayed) {
          req.auditChange = { action: 'loyalty.adjust', targetType: 'customer', targetId: req.params.customerId, details: { postingId: result.posting.id, points: result.posting.points, reason: req.body.reason, actor: req.body.actor } };
        }
        return reply.code(result.replayed ? 200 : 201).send(result);
      },
    });

    r.get('/loyalty/accounts/:customerId/tiers', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'A customer’s tier history, newest first', params: customerParams },
      handler: async (req) => {
        const program = await requireActiveProgram(ctx.db, req.caller.workspace.id);
        return { changes: await tierHistory(ctx.db, req.caller.workspace.id, program.id, req.params.customerId) };
      },
    });

    r.get('/loyalty/accounts/:customerId/coupons', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'A customer’s coupons with their state (active, redeemed, expired)', params: customerParams },
      handler: async (req) => ({ coupons: await listCustomerCoupons(ctx.db, req.caller.workspace.id, req.params.customerId, ctx.clock) }),
    });

    r.get('/loyalty/expiring', {
      config: { permission: 'loyalty:read' },
      schema: {
        tags,
        summary: 'Customers with points expiring within the next days (for journeys), by customer id',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(366).default(30), limit: z.coerce.number().int().min(1).max(10_000).default(1000), after: z.coerce.number().int().min(0).optional() }),
      },
      handler: (req) => listExpiringPoints(ctx.db, req.caller.workspace, req.query, ctx.clock),
    });

    r.post('/loyalty/daily-job', {
      config: { permission: 'loyalty:write' },
      schema: { tags, summary: 'Run the daily job now: expire due points, review tiers whose period and grace ended (safe to repeat)' },
      handler: (req) => runDailyLoyaltyJob(ctx.db, req.caller.workspace, ctx.clock),
    });

    r.get('/loyalty/coupon-templates', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'Coupon templates, newest first' },
      handler: async (req) => ({ templates: await listCouponTemplates(ctx.db, req.caller.workspace.id) }),
    });

    r.post('/loyalty/coupon-templates', {
      config: { permission: 'loyalty:write' },
      schema: { tags, summary: 'Create a coupon template (amount or percent off, minimum spend, category scope, validity, per-customer limit, points cost, tiers)', body: couponTemplateSchema },
      handler: async (req, reply) => reply.code(201).send(await createCouponTemplate(ctx.db, req.caller.workspace.id, req.body)),
    });

    r.post('/loyalty/coupon-templates/:id/issue', {
      config: { permission: 'loyalty:write' },
      schema: {
        tags,
        summary:
          'Issue coupons of a template to customers, or to every current member of a segment, each with a unique code; an issue key makes it idempotent per customer',
        params: templateParams,
        body: z
          .object({
            customerIds: z.array(z.number().int().positive()).min(1).max(10_000).optional(),
            segmentId: z.number().int().positive().optional().describe('Issue to the current members of this segment'),
            issueKey: z.string().trim().min(1).max(200).optional(),
            source: z.string().trim().min(1).max(100).default('api'),
          })
          .refine((b) => (b.customerIds === undefined) !== (b.segmentId === undefined), 'give either customerIds or segmentId'),
      },
      handler: async (req) => {
        const options = { source: req.body.source, issueKey: req.body.issueKey, clock: ctx.clock, random: secureRandom };
        if (req.body.customerIds) return issueCoupons(ctx.db, req.caller.workspace.id, req.params.id, req.body.customerIds, options);
        // A segment is issued to batch by batch; with an issue key a retry after a failure completes it without duplicates.
        const results = [];
        for await (const ids of memberIdBatches(ctx.db, req.caller.workspace, req.body.segmentId!)) results.push(await issueCoupons(ctx.db, req.caller.workspace.id, req.params.id, ids, options));
        return { issued: results.flatMap((r) => r.issued), skipped: results.flatMap((r) => r.skipped) };
      },
    });

    r.post('/loyalty/coupon-templates/:id/buy', {
      config: { permission: 'loyalty:write' },
      schema: {
        tags,
        summary: 'Redeem a customer’s points for a coupon of a template with a points cost; idempotent by idempotencyKey',
        params: templateParams,
        body: z.object({ customerId: z.number().int().positive(), idempotencyKey: z.string().trim().min(1).max(200) }),
      },
      handler: (req) => redeemPointsForCoupon(ctx.db, req.caller.workspace, { ...req.body, templateId: req.params.id }, ctx.clock, secureRandom),
    });

    r.post('/loyalty/coupon-redemptions', {
      config: { permission: 'loyalty:write' },
      schema: { tags, summary: 'Redeem a coupon on an order: checks owner, validity, single use, category scope and minimum spend; returns the discount', body: couponRedemptionSchema },
      handler: (req) => redeemCoupon(ctx.db, req.caller.workspace, req.body, ctx.clock),
    });

    r.get('/loyalty/coupon-report', {
      config: { permission: 'loyalty:read' },
      schema: { tags, summary: 'Per template: coupons issued, redeemed, expired unused, and revenue and discount of the redeeming orders' },
      handler: async (req) => ({ templates: await couponReport(ctx.db, req.caller.workspace.id, ctx.clock) }),
    });
  };
}
