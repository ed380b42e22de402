/** Tenants and credentials: workspaces, their settings and API keys. */
export {
  createWorkspace,
  createWorkspaceSchema,
  findWorkspaceBySlug,
  getWorkspace,
  identityTypes,
  updateWorkspaceSettings,
  workspaceSettingsSchema,
  type CreateWorkspaceInput,
  type IdentityType,
  type Workspace,
  type WorkspaceSettings,
} from './workspaces.ts';
export { createApiKey, findApiKey, hashApiKey, type ApiKeyGrant, type ApiKeyKind } from './api-keys.ts';
