import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../access/index.ts';
import { consentHistory, consentUpdateSchema, eraseCustomer, exportCustomerData, getConsents, updateConsents } from '../../privacy/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('Customer id') });

/** Customers' privacy rights under /api: consent per channel and purpose, data export and erasure. */
export function privacyRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/customers/:id/consent', {
      schema: { tags: ['privacy'], summary: "The customer's current consent per channel and purpose (no row: no consent given)", params: idParams },
      config: { permission: 'customers:read' },
      handler: (req) => getConsents(ctx.db, req.caller.workspace, req.params.id),
    });

    r.put('/customers/:id/consent', {
      schema: {
        tags: ['privacy'],
        summary: 'Record consent statements (channel, purpose, opted_in/opted_out, source, recordedAt); the latest statement per channel and purpose is the current state',
        params: idParams,
        body: consentUpdateSchema,
      },
      config: { permission: 'customers:write' },
      handler: (req) => updateConsents(ctx.db, req.caller.workspace, req.params.id, req.body, ctx.clock),
    });

    r.get('/customers/:id/consent/history', {
      schema: { tags: ['privacy'], summary: 'Every consent statement recorded for the customer, oldest first, with its source and time', params: idParams },
      config: { permission: 'customers:read' },
      handler: (req) => consentHistory(ctx.db, req.caller.workspace, req.params.id),
    });

    r.get('/customers/:id/export', {
      schema: {
        tags: ['privacy'],
        summary: 'Everything held about the customer as JSON (profile, identities, tags, consent, orders with items and refunds, events, scores, merges)',
        params: idParams,
      },
      config: { permission: 'privacy:read' },
      handler: async (req, reply) => {
        const data = await exportCustomerData(ctx.db, req.caller.workspace, req.params.id, ctx.clock);
        // A read, so the audit hook (changes only) does not record it: a copy of someone's data leaving is worth an entry.
        await recordAudit(ctx.db, {
          workspaceId: req.caller.workspace.id,
          at: ctx.clock.now(),
          actor: { type: req.caller.actor.type, id: req.caller.actor.id },
          action: 'privacy.export',
          targetType: 'customer',
          targetId: data.customerId,
          details: { requestedId: req.params.id, profileIds: [...data.profileIds], events: data.events.length, orders: data.orders.length },
          outcome: 200,
          requestId: req.id,
        });
        return reply.header('content-disposition', `attachment; filename="customer-${data.customerId}-export.json"`).send(data);
      },
    });

    r.post('/customers/:id/erase', {
      schema: {
        tags: ['privacy'],
        summary:
          'Erase the customer: profile, identities, tags, consent, events, scores and merged profiles are deleted in one transaction; orders stay for accounting on an anonymous tombstone',
        params: idParams,
      },
      config: { permission: 'privacy:erase' },
      handler: async (req) => {
        const result = await eraseCustomer(ctx.db, req.caller.workspace, req.params.id, ctx.clock);
        // Ids and row counts only; the tombstone id stays out of the log so nothing there links it back to the person.
        req.auditChange = { action: 'privacy.erase', targetType: 'customer', targetId: req.params.id, details: { erasedProfileIds: [...result.erasedProfileIds], rows: { ...result.rows } } };
        return result;
      },
    });
  };
}
