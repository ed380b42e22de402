import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { updateWorkspaceSettings, workspaceSettingsSchema } from '../../access/index.ts';
import type { AppContext } from '../context.ts';

/** The calling workspace and its settings under /api/workspace. */
export function workspaceRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/workspace', {
      schema: { tags: ['workspace'], summary: 'The workspace of the key: name, country, currency, time zone, settings' },
      handler: async (req) => req.caller.workspace,
    });

    r.put('/workspace/settings', {
      schema: {
        tags: ['workspace'],
        summary: 'Replace the workspace settings (identity limits per profile, …)',
        body: workspaceSettingsSchema,
      },
      handler: async (req) => {
        const updated = await updateWorkspaceSettings(ctx.db, req.caller.workspace, req.body);
        ctx.verifyKey.forget();
        return updated;
      },
    });
  };
}
