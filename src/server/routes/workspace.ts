import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { updateWorkspaceSettings, workspaceSettingsSchema } from '../../access/index.ts';
import type { AppContext } from '../context.ts';

/** The calling workspace and its settings under /api/workspace. */
export function workspaceRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/workspace', {
      config: { permission: 'signed_in' },
      schema: { tags: ['workspace'], summary: 'The workspace of the key: name, country, currency, time zone, settings' },
      handler: async (req) => req.caller.workspace,
    });

    r.put('/workspace/settings', {
      config: { permission: 'settings:write' },
      schema: {
        tags: ['workspace'],
        summary: 'Replace the workspace settings (identity limits per profile, …)',
        body: workspaceSettingsSchema,
      },
      handler: async (req) => {
        const updated = await updateWorkspaceSettings(ctx.db, req.caller.workspace, req.body);
        ctx.verifyKey.forget();
        req.auditChange = { targetType: 'workspace_settings', targetId: updated.id, before: req.caller.workspace.settings, after: updated.settings };
        return updated;
      },
    });
  };
}
