import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCustomer360, listCustomers, listCustomersSchema, listTags, tagNameSchema, unmerge, updateCustomerTags } from '../../customers/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('Customer id') });

/** Customer list and search, the customer 360, tags and unmerge under /api. */
export function customerRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/customers', {
      config: { permission: 'customers:read' },
      schema: { tags: ['customers'], summary: 'List and search customers (cursor pagination, newest first)', querystring: listCustomersSchema },
      handler: (req) => listCustomers(ctx.db, req.caller.workspace, req.query),
    });

    r.get('/customers/:id', {
      config: { permission: 'customers:read' },
      schema: { tags: ['customers'], summary: 'The customer 360: profile, identities, tags, order summary, recent orders and events, merges', params: idParams },
      handler: (req) => getCustomer360(ctx.db, req.caller.workspace, req.params.id),
    });

    r.post('/customers/tags', {
      config: { permission: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Add and remove tags on many customers at once',
        body: z.object({
          customerIds: z.array(z.number().int().positive()).min(1).max(10_000),
          add: z.array(tagNameSchema).max(100).default([]),
          remove: z.array(tagNameSchema).max(100).default([]),
        }),
      },
      handler: (req) => updateCustomerTags(ctx.db, req.caller.workspace.id, req.body),
    });

    r.get('/tags', {
      config: { permission: 'customers:read' },
      schema: { tags: ['customers'], summary: 'All tags with their customer counts' },
      handler: async (req) => ({ tags: await listTags(ctx.db, req.caller.workspace.id) }),
    });

    r.post('/merges/:id/undo', {
      config: { permission: 'customers:write' },
      schema: {
        tags: ['customers'],
        summary: 'Undo a merge: split the merged profile back out and stop the pair from merging again automatically',
        params: z.object({ id: z.coerce.number().int().positive().describe('Merge id, from the customer 360 merges list') }),
      },
      handler: (req) => unmerge(ctx.db, req.caller.workspace, req.params.id),
    });
  };
}
