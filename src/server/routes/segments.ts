import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  archiveSegment,
  audienceExportSchema,
  conditionKinds,
  createSegment,
  customerMemberships,
  explainCustomer,
  explainRule,
  exportAudienceCsv,
  exportMembersCsv,
  fieldCatalogue,
  getSegment,
  listMembers,
  listSegments,
  memberExportSchema,
  membersQuerySchema,
  operatorsByType,
  previewRule,
  refreshSegment,
  ruleLimits,
  segmentInputSchema,
  segmentPatchSchema,
  segmentSizes,
  updateSegment,
} from '../../segments/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('Segment id') });
const ruleSchema = z
  .record(z.string(), z.unknown())
  .describe('A segment rule: {"version": 1, "root": {"all": [conditions or groups]}}; see docs/segments.md for every condition kind');
const ruleBody = z.object({ rule: ruleSchema });

/** Segments under /api: the rule catalogue, preview/explain/why, saved segments, members, sizes and exports. */
export function segmentRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/segments/catalogue', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'What a rule can say: condition kinds, fields with their types, operators and values, limits' },
      handler: async () => ({
        version: 1,
        conditionKinds,
        fields: Object.entries(fieldCatalogue).map(([name, f]) => ({
          name,
          type: f.type,
          source: f.source,
          label: f.label,
          operators: operatorsByType[f.type],
          ...('values' in f ? { values: f.values } : {}),
        })),
        attributeOperators: { text: operatorsByType.text, number: operatorsByType.number, boolean: operatorsByType.boolean },
        limits: ruleLimits,
      }),
    });

    r.post('/segments/preview', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'Count, revenue and 20 sample members of a rule, without saving it (fast enough to run while typing)', body: ruleBody },
      handler: (req) => previewRule(ctx.db, req.caller.workspace, req.body.rule, ctx.clock),
    });

    r.post('/segments/explain', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'The SQL statement a rule compiles to, with its bound parameters', body: ruleBody },
      handler: (req) => explainRule(ctx.db, req.caller.workspace, req.body.rule, ctx.clock),
    });

    r.post('/segments/why', {
      config: { permission: 'segments:read' },
      schema: {
        tags: ['segments'],
        summary: 'For one customer: which conditions of a rule (or of a saved segment) hold and which fail, with the values they saw',
        body: z.union([
          z.object({ customerId: z.number().int().positive(), rule: ruleSchema }),
          z.object({ customerId: z.number().int().positive(), segmentId: z.number().int().positive() }),
        ]),
      },
      handler: async (req) => {
        const rule = 'rule' in req.body ? req.body.rule : (await getSegment(ctx.db, req.caller.workspace.id, req.body.segmentId)).rule;
        return explainCustomer(ctx.db, req.caller.workspace, rule, req.body.customerId, ctx.clock);
      },
    });

    r.get('/segments', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'Saved segments with their member counts' },
      handler: async (req) => ({ segments: await listSegments(ctx.db, req.caller.workspace.id) }),
    });

    r.post('/segments', {
      config: { permission: 'segments:write' },
      schema: { tags: ['segments'], summary: 'Save a segment and fill it (dynamic: kept current; static: a snapshot)', body: segmentInputSchema.extend({ rule: ruleSchema }) },
      handler: async (req, reply) => {
        const segment = await createSegment(ctx.db, req.caller.workspace, req.body, ctx.clock);
        req.auditChange = { targetType: 'segment', targetId: segment.id, after: { name: segment.name, kind: segment.kind, rule: segment.rule } };
        return reply.code(201).send(segment);
      },
    });

    r.get('/segments/memberships', {
      config: { permission: 'segments:read' },
      schema: {
        tags: ['segments'],
        summary: "A customer's membership history: every stay in a segment with entered and exited times",
        querystring: z.object({ customerId: z.coerce.number().int().positive() }),
      },
      handler: async (req) => ({ memberships: await customerMemberships(ctx.db, req.caller.workspace, req.query.customerId) }),
    });

    r.get('/segments/:id', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'One segment: rule, what it reads, member count', params: idParams },
      handler: (req) => getSegment(ctx.db, req.caller.workspace.id, req.params.id),
    });

    r.patch('/segments/:id', {
      config: { permission: 'segments:write' },
      schema: {
        tags: ['segments'],
        summary: 'Rename a segment or change its rule (re-evaluated at once; entries and exits are emitted)',
        params: idParams,
        body: segmentPatchSchema.extend({ rule: ruleSchema.optional() }),
      },
      handler: async (req) => {
        const before = await getSegment(ctx.db, req.caller.workspace.id, req.params.id);
        const after = await updateSegment(ctx.db, req.caller.workspace, req.params.id, req.body, ctx.clock);
        req.auditChange = {
          targetType: 'segment',
          targetId: after.id,
          before: { name: before.name, description: before.description, rule: before.rule },
          after: { name: after.name, description: after.description, rule: after.rule },
        };
        return after;
      },
    });

    r.delete('/segments/:id', {
      config: { permission: 'segments:write' },
      schema: { tags: ['segments'], summary: 'Archive a segment (refused while another segment uses it)', params: idParams },
      handler: async (req, reply) => {
        const before = await getSegment(ctx.db, req.caller.workspace.id, req.params.id);
        await archiveSegment(ctx.db, req.caller.workspace, req.params.id, ctx.clock);
        req.auditChange = { targetType: 'segment', targetId: before.id, before: { name: before.name, kind: before.kind, rule: before.rule }, after: null };
        return reply.code(204).send();
      },
    });

    r.post('/segments/:id/refresh', {
      config: { permission: 'segments:write' },
      schema: { tags: ['segments'], summary: 'Re-evaluate a segment against every customer now (a static segment takes a new snapshot)', params: idParams },
      handler: (req) => refreshSegment(ctx.db, req.caller.workspace, req.params.id, ctx.clock),
    });

    r.get('/segments/:id/members', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'Current members, in customer id order (cursor pagination)', params: idParams, querystring: membersQuerySchema },
      handler: (req) => listMembers(ctx.db, req.caller.workspace, req.params.id, req.query),
    });

    r.get('/segments/:id/sizes', {
      config: { permission: 'segments:read' },
      schema: {
        tags: ['segments'],
        summary: 'Daily size history: members at the end of each day, with that day’s entries and exits',
        params: idParams,
        querystring: z.object({ days: z.coerce.number().int().min(1).max(3650).default(90) }),
      },
      handler: async (req) => ({ sizes: await segmentSizes(ctx.db, req.caller.workspace, req.params.id, req.query.days) }),
    });

    r.get('/segments/:id/export.csv', {
      config: { permission: 'segments:read' },
      schema: { tags: ['segments'], summary: 'The current members as CSV with chosen columns (streamed)', params: idParams, querystring: memberExportSchema },
      handler: async (req, reply) => {
        const lines = exportMembersCsv(ctx.db, req.caller.workspace, req.params.id, req.query.columns);
        const first = await lines.next(); // fails here (404) before any byte is sent
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="segment-${req.params.id}-members.csv"`);
        return reply.send(Readable.from(prepend(first.value ?? '', lines)));
      },
    });

    r.get('/segments/:id/audience.csv', {
      config: { permission: 'segments:read' },
      schema: {
        tags: ['segments'],
        summary: 'An ad-platform custom audience: SHA-256 of normalized email and phone, only for members with marketing consent',
        params: idParams,
        querystring: audienceExportSchema,
      },
      handler: async (req, reply) => {
        const lines = exportAudienceCsv(ctx.db, req.caller.workspace, req.params.id, req.query.format);
        const first = await lines.next();
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="segment-${req.params.id}-audience-${req.query.format}.csv"`);
        return reply.send(Readable.from(prepend(first.value ?? '', lines)));
      },
    });
  };
}

async function* prepend(first: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  yield first;
  yield* rest;
}
