import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changeJourneyState,
  completeTask,
  createJourney,
  enrolThroughApi,
  entriesQuerySchema,
  getJourney,
  journeyActions,
  journeyActivity,
  journeyInputSchema,
  journeyPatchSchema,
  journeyStepCounts,
  listEntries,
  listJourneys,
  listJourneyVersions,
  listTasks,
  tasksQuerySchema,
  updateJourney,
} from '../../journeys/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('Journey id') });

/** Journeys under /api: graphs and their versions, states, API enrolment, entries and account-manager tasks. */
export function journeyRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/journeys', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['journeys'], summary: 'Journeys with their state, current version and trigger, and counts of customers entered, in flight, finished, converted and failed' },
      handler: async (req) => {
        const [journeys, activity] = await Promise.all([listJourneys(ctx.db, req.caller.workspace.id), journeyActivity(ctx.db, req.caller.workspace.id)]);
        return { journeys: journeys.map((j) => ({ ...j, trigger: activity.get(j.id)?.trigger ?? null, entered: activity.get(j.id)?.entered ?? 0, failed: activity.get(j.id)?.failed ?? 0 })) };
      },
    });

    r.post('/journeys', {
      config: { permission: 'journeys:write' },
      schema: { tags: ['journeys'], summary: 'Save a journey as a draft; the graph is validated with errors naming the node', body: journeyInputSchema },
      handler: async (req, reply) => {
        const journey = await createJourney(ctx.db, req.caller.workspace, req.body, ctx.clock);
        req.auditChange = { targetType: 'journey', targetId: journey.id, after: { name: journey.name, version: journey.version, graph: journey.graph } };
        return reply.code(201).send(journey);
      },
    });

    r.get('/journeys/:id', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['journeys'], summary: 'A journey with its current version', params: idParams },
      handler: (req) => getJourney(ctx.db, req.caller.workspace.id, req.params.id),
    });

    r.patch('/journeys/:id', {
      config: { permission: 'journeys:write' },
      schema: {
        tags: ['journeys'],
        summary: 'Rename a journey or change its graph (a live or paused journey gets a new version; customers in flight stay on theirs)',
        params: idParams,
        body: journeyPatchSchema,
      },
      handler: async (req) => {
        const before = await getJourney(ctx.db, req.caller.workspace.id, req.params.id);
        const after = await updateJourney(ctx.db, req.caller.workspace, req.params.id, req.body, ctx.clock);
        req.auditChange = {
          targetType: 'journey',
          targetId: after.id,
          before: { name: before.name, version: before.version, graph: before.graph },
          after: { name: after.name, version: after.version, graph: after.graph },
        };
        return after;
      },
    });

    r.post('/journeys/:id/:action', {
      config: { permission: 'journeys:write' },
      schema: {
        tags: ['journeys'],
        summary: 'Publish (draft → live), pause, resume or archive a journey (archiving exits customers in flight)',
        params: idParams.extend({ action: z.enum(journeyActions) }),
      },
      handler: async (req) => {
        const before = await getJourney(ctx.db, req.caller.workspace.id, req.params.id);
        const after = await changeJourneyState(ctx.db, req.caller.workspace, req.params.id, req.params.action, ctx.clock);
        req.auditChange = { action: `journey.${req.params.action}`, targetType: 'journey', targetId: after.id, before: { state: before.state }, after: { state: after.state } };
        return after;
      },
    });

    r.get('/journeys/:id/versions', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['journeys'], summary: "Every version of a journey's graph, newest first", params: idParams },
      handler: async (req) => ({ versions: await listJourneyVersions(ctx.db, req.caller.workspace.id, req.params.id) }),
    });

    r.post('/journeys/:id/enrol', {
      config: { permission: 'journeys:write' },
      schema: {
        tags: ['journeys'],
        summary: 'Enter customers into a live journey with an API trigger (the re-entry policy applies); variables become Liquid variables of its messages',
        params: idParams,
        body: z.object({ customerIds: z.array(z.number().int().positive()).min(1).max(10_000), variables: z.record(z.string(), z.unknown()).optional() }),
      },
      handler: async (req) => {
        const result = await enrolThroughApi(ctx.db, req.caller.workspace, req.params.id, req.body, ctx.clock);
        req.auditChange = { action: 'journey.enrol', targetType: 'journey', targetId: req.params.id, details: { entered: result.entered.length, skipped: result.skipped.length } };
        return result;
      },
    });

    r.get('/journeys/:id/steps', {
      config: { permission: 'journeys:read' },
      schema: {
        tags: ['journeys'],
        summary: 'Per-step counts over every version: entries at each step now, finished there, failed there, and messages each send step queued',
        params: idParams,
      },
      handler: async (req) => ({ steps: await journeyStepCounts(ctx.db, req.caller.workspace.id, req.params.id) }),
    });

    r.get('/journeys/:id/entries', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['journeys'], summary: "A journey's entries, newest first: each customer's step, status, split arms and errors", params: idParams, querystring: entriesQuerySchema },
      handler: async (req) => {
        await getJourney(ctx.db, req.caller.workspace.id, req.params.id);
        return listEntries(ctx.db, req.caller.workspace.id, req.params.id, req.query);
      },
    });

    r.get('/journey-tasks', {
      config: { permission: 'journeys:read' },
      schema: { tags: ['journeys'], summary: 'Tasks journeys created for account managers (assignee, due date), soonest due first', querystring: tasksQuerySchema },
      handler: async (req) => ({ tasks: await listTasks(ctx.db, req.caller.workspace.id, req.query) }),
    });

    r.post('/journey-tasks/:id/done', {
      config: { permission: 'journeys:write' },
      schema: { tags: ['journeys'], summary: 'Mark a task done', params: z.object({ id: z.coerce.number().int().positive().describe('Task id') }) },
      handler: async (req) => {
        const result = await completeTask(ctx.db, req.caller.workspace.id, req.params.id, ctx.clock);
        req.auditChange = { action: 'journey.task.done', targetType: 'journey_task', targetId: req.params.id };
        return result;
      },
    });
  };
}
