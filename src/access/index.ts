/** Tenants and who may act in them: workspaces, console users and roles, sessions, API keys, and the audit log. */
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
export {
  createApiKey,
  createApiKeySchema,
  findApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
  useApiKey,
  type ApiKeyGrant,
  type ApiKeyInfo,
  type ApiKeyKind,
  type CreateApiKeyInput,
} from './api-keys.ts';
export { defaultKeyScopes, permissions, roleAllows, rolePermissions, roles, type Permission, type Role } from './permissions.ts';
export {
  changeOwnPassword,
  changePasswordSchema,
  createUser,
  createUserSchema,
  demoLogin,
  ensureDemoUser,
  findUserByEmail,
  inviteUser,
  listUsers,
  setupFirstOwner,
  setupNeeded,
  setupSchema,
  updateUser,
  updateUserSchema,
  verifyPassword,
  type CreateUserInput,
  type SetupInput,
  type UpdateUserInput,
  type User,
} from './users.ts';
export { createSession, endSession, findSession, sessionLifetime, type Session } from './sessions.ts';
export { auditQuerySchema, listAudit, readAudit, recordAudit, type AuditEntry, type AuditQuery, type AuditRecord } from './audit.ts';
