import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addSuppressions,
  channelKinds,
  contactPolicySchema,
  createTemplate,
  deleteTemplate,
  dispatchMessages,
  getTemplate,
  listMessages,
  listMessagesSchema,
  listSuppressions,
  listTemplates,
  loadContactPolicy,
  loadProviders,
  messageContentSchema,
  previewContent,
  queueMessage,
  receiptPaths,
  recordClick,
  recordOpen,
  removeSuppression,
  saveContactPolicy,
  saveProvider,
  suppressionInputSchema,
  templateInputSchema,
  unsubscribe,
  updateTemplate,
  viewProvider,
  type ChannelKind,
  type MessageContent,
} from '../../channels/index.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('Template id') });
const channelParams = z.object({ channel: z.enum(channelKinds) });
const contentOrTemplate = z.union([messageContentSchema, z.object({ templateId: z.number().int().positive() })]);

const sendSchema = z.object({
  customerId: z.number().int().positive(),
  channel: z.enum([...channelKinds, 'preferred']),
  purpose: z.enum(['marketing', 'transactional']).default('transactional'),
  content: contentOrTemplate,
  variables: z.record(z.string(), z.unknown()).optional(),
  idempotencyKey: z.string().min(1).max(200).describe('A repeat with the same key is a no-op (answered "duplicate")'),
  dryRun: z.boolean().default(false),
});

/** Channel providers, the contact policy, suppressions, templates, the message log and direct sends under /api/channels. */
export function channelRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['channels'];

    r.get('/channels/providers', {
      config: { permission: 'settings:read' },
      schema: { tags, summary: 'The configured providers per channel; secrets are shown only as "set"' },
      handler: async (req) => {
        const providers = await loadProviders(ctx.db, req.caller.workspace.id);
        return Object.entries(providers).map(([channel, provider]) => viewProvider(channel as ChannelKind, provider));
      },
    });

    r.put('/channels/providers/:channel', {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: 'Configure a channel’s provider; secrets left out keep their stored value',
        params: channelParams,
        body: z.object({ config: z.record(z.string(), z.unknown()), secrets: z.record(z.string(), z.string()).optional() }),
      },
      handler: async (req) => {
        const view = await saveProvider(ctx.db, req.caller.workspace.id, req.params.channel, req.body, ctx.clock.now());
        req.auditChange = { action: 'channels.provider.save', targetType: 'channel_provider', targetId: req.params.channel, after: view };
        return view;
      },
    });

    r.get('/channels/receipt-endpoints', {
      config: { permission: 'settings:read' },
      schema: { tags, summary: 'Where each channel’s provider posts delivery reports, relative to Patron’s public address (give these to the provider)' },
      handler: async (req) => receiptPaths((await loadContactPolicy(ctx.db, req.caller.workspace.id)).linkSecret, req.caller.workspace.id),
    });

    r.post('/channels/providers/:channel/test', {
      config: { permission: 'settings:write' },
      schema: {
        tags,
        summary: 'Send a test message to a customer now, through the contact policy as a transactional message, and answer with its log entry',
        params: channelParams,
        body: z.object({ customerId: z.number().int().positive(), content: messageContentSchema }),
      },
      handler: async (req) => {
        const workspace = req.caller.workspace;
        const now = ctx.clock.now();
        const outcome = await ctx.db.transaction().execute((trx) =>
          queueMessage(
            trx,
            workspace,
            {
              customerId: req.body.customerId,
              channel: req.params.channel,
              purpose: 'transactional',
              content: req.body.content as MessageContent,
              idempotencyKey: `test:${req.params.channel}:${now.getTime()}:${randomUUID()}`,
              source: { kind: 'api', id: workspace.id },
            },
            now,
          ),
        );
        if (outcome.status === 'queued') await dispatchMessages(ctx.db, ctx.clock, { only: { workspaceId: workspace.id, customerId: req.body.customerId, id: outcome.messageId } });
        req.auditChange = { action: 'channels.provider.test', targetType: 'channel_provider', targetId: req.params.channel, details: { customerId: req.body.customerId, outcome: outcome.status } };
        const logged = await listMessages(ctx.db, workspace.id, { customerId: req.body.customerId, before: outcome.messageId + 1, limit: 1 });
        return logged.messages[0]!;
      },
    });

    r.get('/channels/policy', {
      config: { permission: 'settings:read' },
      schema: { tags, summary: 'The contact policy: fallback order, frequency caps, quiet hours, global control share' },
      handler: async (req) => (await loadContactPolicy(ctx.db, req.caller.workspace.id)).policy,
    });

    r.put('/channels/policy', {
      config: { permission: 'settings:write' },
      schema: { tags, summary: 'Replace the contact policy (applies to every journey, campaign and API send from now on)', body: contactPolicySchema },
      handler: async (req) => {
        const before = (await loadContactPolicy(ctx.db, req.caller.workspace.id)).policy;
        const after = await saveContactPolicy(ctx.db, req.caller.workspace.id, req.body, ctx.clock.now());
        req.auditChange = { action: 'channels.policy.save', targetType: 'contact_policy', targetId: req.caller.workspace.id, before, after };
        return after;
      },
    });

    r.get('/channels/suppressions', {
      config: { permission: 'journeys:read' },
      schema: {
        tags,
        summary: 'The suppression list, newest first',
        querystring: z.object({ channel: z.enum(channelKinds).optional(), prefix: z.string().max(320).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      },
      handler: (req) => listSuppressions(ctx.db, req.caller.workspace.id, req.query),
    });

    r.post('/channels/suppressions', {
      config: { permission: 'journeys:write' },
      schema: { tags, summary: 'Add addresses to the suppression list', body: z.object({ items: z.array(suppressionInputSchema).min(1).max(10_000) }) },
      handler: async (req, reply) => {
        const added = await addSuppressions(ctx.db, req.caller.workspace.id, req.body.items, 'api', ctx.clock.now());
        req.auditChange = { action: 'channels.suppressions.add', targetType: 'suppression', details: { added } };
        return reply.code(201).send({ added });
      },
    });

    r.delete('/channels/suppressions/:channel/:address', {
      config: { permission: 'journeys:write' },
      schema: { tags, summary: 'Remove an address from the suppression list', params: channelParams.extend({ address: z.string().min(1).max(320) }) },
      handler: async (req, reply) => {
        await removeSuppression(ctx.db, req.caller.workspace.id, req.params.channel, req.params.address);
        req.auditChange = { action: 'channels.suppressions.remove', targetType: 'suppression', details: { channel: req.params.channel } };
        return reply.code(204).send();
      },
    });

    r.get('/channels/templates', {
      config: { permission: 'journeys:read' },
      schema: { tags, summary: 'Message templates by name' },
      handler: (req) => listTemplates(ctx.db, req.caller.workspace.id),
    });

    r.post('/channels/templates', {
      config: { permission: 'journeys:write' },
      schema: { tags, summary: 'Create a Liquid message template (every part must parse)', body: templateInputSchema },
      handler: async (req, reply) => reply.code(201).send(await createTemplate(ctx.db, req.caller.workspace.id, req.body, ctx.clock.now())),
    });

    r.get('/channels/templates/:id', {
      config: { permission: 'journeys:read' },
      schema: { tags, summary: 'One template', params: idParams },
      handler: (req) => getTemplate(ctx.db, req.caller.workspace.id, req.params.id),
    });

    r.put('/channels/templates/:id', {
      config: { permission: 'journeys:write' },
      schema: { tags, summary: 'Replace a template (messages already queued keep what they rendered)', params: idParams, body: templateInputSchema },
      handler: (req) => updateTemplate(ctx.db, req.caller.workspace.id, req.params.id, req.body, ctx.clock.now()),
    });

    r.delete('/channels/templates/:id', {
      config: { permission: 'journeys:write' },
      schema: { tags, summary: 'Delete a template', params: idParams },
      handler: async (req, reply) => {
        await deleteTemplate(ctx.db, req.caller.workspace.id, req.params.id);
        return reply.code(204).send();
      },
    });

    r.post('/channels/templates/preview', {
      config: { permission: 'journeys:read' },
      schema: {
        tags,
        summary: 'Render a content or a stored template for a chosen customer; a missing variable is a 400 naming it',
        body: z.object({ customerId: z.number().int().positive(), content: contentOrTemplate, variables: z.record(z.string(), z.unknown()).optional() }),
      },
      handler: (req) =>
        previewContent(ctx.db, req.caller.workspace, {
          customerId: req.body.customerId,
          content: req.body.content as MessageContent | { templateId: number },
          ...(req.body.variables ? { variables: req.body.variables } : {}),
        }),
    });

    r.get('/channels/messages', {
      config: { permission: 'journeys:read' },
      schema: { tags, summary: 'The message log, newest first, with filters (cursor: `before`, the last id seen)', querystring: listMessagesSchema },
      handler: (req) => listMessages(ctx.db, req.caller.workspace.id, req.query),
    });

    r.post('/channels/messages', {
      config: { permission: 'journeys:write' },
      schema: {
        tags,
        summary: 'Send one message (transactional by default, or a test) through the contact policy; delivered by the dispatcher',
        body: sendSchema,
      },
      handler: async (req, reply) => {
        const body = req.body;
        const outcome = await ctx.db.transaction().execute((trx) =>
          queueMessage(
            trx,
            req.caller.workspace,
            {
              customerId: body.customerId,
              channel: body.channel,
              purpose: body.purpose,
              content: body.content as MessageContent | { templateId: number },
              ...(body.variables ? { variables: body.variables } : {}),
              idempotencyKey: `api:${body.idempotencyKey}`,
              source: { kind: 'api', id: req.caller.workspace.id },
              dryRun: body.dryRun,
            },
            ctx.clock.now(),
          ),
        );
        return reply.code(outcome.status === 'duplicate' ? 200 : 201).send(outcome);
      },
    });
  };
}

// A transparent 1×1 GIF.
const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const tokenParams = z.object({ token: z.string().max(200) });

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`;
}

/**
 * The public links inside messages, outside /api and its credentials: the open pixel, the click redirect and
 * the unsubscribe page with its one-click POST (RFC 8058). Each token is signed per workspace, so a link
 * cannot be forged or pointed at another destination.
 */
export function messageLinkRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    // One-click unsubscribe posts "List-Unsubscribe=One-Click" as a form; its content does not matter.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['message links'];

    r.get('/o/:token', {
      config: { permission: 'public' },
      schema: { tags, summary: 'Open pixel: records the first open, answers a 1×1 GIF', params: tokenParams },
      handler: async (req, reply) => {
        await recordOpen(ctx.db, req.params.token.replace(/\.gif$/, ''), ctx.clock.now());
        return reply.header('cache-control', 'no-store').type('image/gif').send(pixel);
      },
    });

    r.get('/c/:token', {
      config: { permission: 'public' },
      schema: { tags, summary: 'Click redirect: records the click and redirects to the signed destination', params: tokenParams, querystring: z.object({ u: z.string().max(4000) }) },
      handler: async (req, reply) => {
        const url = await recordClick(ctx.db, req.params.token, req.query.u, ctx.clock.now());
        if (!url) return reply.code(404).type('text/html').send(page('Link not found', '<p>This link is not valid.</p>'));
        return reply.redirect(url, 302);
      },
    });

    r.get('/u/:token', {
      config: { permission: 'public' },
      schema: { tags, summary: 'Unsubscribe page: asks for confirmation (a GET never unsubscribes, since mail scanners follow links)', params: tokenParams },
      handler: async (req, reply) => {
        const form = `<h1>Unsubscribe</h1><p>Stop receiving marketing messages on this channel?</p><form method="post"><button type="submit">Unsubscribe</button></form>`;
        return reply.type('text/html').header('cache-control', 'no-store').send(page('Unsubscribe', form));
      },
    });

    r.post('/u/:token', {
      config: { permission: 'public' },
      schema: { tags, summary: 'Unsubscribe (the page’s form and RFC 8058 one-click): records the marketing opt-out with source "unsubscribe link"', params: tokenParams },
      handler: async (req, reply) => {
        const message = await unsubscribe(ctx.db, req.params.token, ctx.clock.now());
        if (!message) return reply.code(404).type('text/html').send(page('Link not found', '<p>This unsubscribe link is not valid.</p>'));
        return reply.type('text/html').send(page('Unsubscribed', `<h1>Unsubscribed</h1><p>You will no longer receive marketing messages by ${message.channel}.</p>`));
      },
    });
  };
}
