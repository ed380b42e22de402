import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { campaignInputSchema, campaignResults, cancelCampaign, createCampaign, getCampaign, listCampaigns, scheduleCampaign, updateCampaign } from '../../journeys/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('Campaign id') });

/** Campaigns under /api: broadcasts to a segment with variants and a holdout, their scheduling and results. */
export function campaignRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/campaigns', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['campaigns'], summary: 'Campaigns, newest first' },
      handler: async (req) => ({ campaigns: await listCampaigns(ctx.db, req.caller.workspace.id) }),
    });

    r.post('/campaigns', {
      config: { permission: 'journeys:write' },
      schema: { tags: ['campaigns'], summary: 'Save a campaign as a draft: audience segment, channel, A/B/n variants with weights, holdout share, attribution', body: campaignInputSchema },
      handler: async (req, reply) => {
        const campaign = await createCampaign(ctx.db, req.caller.workspace, req.body, ctx.clock);
        req.auditChange = { targetType: 'campaign', targetId: campaign.id, after: { name: campaign.name, segmentId: campaign.segmentId, definition: campaign.definition } };
        return reply.code(201).send(campaign);
      },
    });

    r.get('/campaigns/:id', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['campaigns'], summary: 'A campaign', params: idParams },
      handler: (req) => getCampaign(ctx.db, req.caller.workspace.id, req.params.id),
    });

    r.put('/campaigns/:id', {
      config: { permission: 'journeys:write' },
      schema: { tags: ['campaigns'], summary: "Replace a draft campaign's definition", params: idParams, body: campaignInputSchema },
      handler: async (req) => {
        const before = await getCampaign(ctx.db, req.caller.workspace.id, req.params.id);
        const after = await updateCampaign(ctx.db, req.caller.workspace, req.params.id, req.body, ctx.clock);
        req.auditChange = {
          targetType: 'campaign',
          targetId: after.id,
          before: { name: before.name, segmentId: before.segmentId, definition: before.definition },
          after: { name: after.name, segmentId: after.segmentId, definition: after.definition },
        };
        return after;
      },
    });

    r.post('/campaigns/:id/schedule', {
      config: { permission: 'journeys:write' },
      schema: {
        tags: ['campaigns'],
        summary: 'Schedule a draft to send at a time, or now (the worker snapshots the segment and sends in batches)',
        params: idParams,
        body: z.object({ at: z.coerce.date().optional().describe('When to send; now when omitted') }),
      },
      handler: async (req) => {
        const campaign = await scheduleCampaign(ctx.db, req.caller.workspace, req.params.id, req.body.at, ctx.clock);
        req.auditChange = { action: 'campaign.schedule', targetType: 'campaign', targetId: campaign.id, before: { status: 'draft' }, after: { status: campaign.status, scheduledAt: campaign.scheduledAt } };
        return campaign;
      },
    });

    r.post('/campaigns/:id/cancel', {
      config: { permission: 'journeys:write' },
      schema: { tags: ['campaigns'], summary: 'Cancel a scheduled campaign before it starts (back to draft)', params: idParams },
      handler: async (req) => {
        const campaign = await cancelCampaign(ctx.db, req.caller.workspace, req.params.id, ctx.clock);
        req.auditChange = { action: 'campaign.cancel', targetType: 'campaign', targetId: campaign.id, before: { status: 'scheduled' }, after: { status: campaign.status } };
        return campaign;
      },
    });

    r.get('/campaigns/:id/results', {
      config: { permission: 'journeys:read' },
      schema: {
        tags: ['campaigns'],
        summary: 'Results per variant and holdout: sent, delivered, failed, opened, clicked, unsubscribed, converted, revenue, and uplift vs holdout with 95% CI and p-value',
        params: idParams,
      },
      handler: (req) => campaignResults(ctx.db, req.caller.workspace.id, req.params.id),
    });
  };
}
