import type { ApiKeyInfo, AuditRecord, Permission, Role, User } from '../../../src/access/index.ts';
import type { ApiClient } from '../api/client.ts';
import type { Jsonified } from '../api/payloads.ts';
import type { WorkspaceInfo } from '../api/workspace-api.ts';

/** Who is signed in: a console user (with the CSRF token for changes) or an API key, and what they may do. */
export interface SessionInfo {
  readonly workspace: WorkspaceInfo;
  readonly user?: { readonly id: number; readonly email: string; readonly name: string; readonly role: Role };
  readonly apiKey?: { readonly id: number; readonly kind: string };
  readonly csrfToken?: string;
  readonly permissions: readonly Permission[];
}

export type UserRow = Jsonified<User>;
export type ApiKeyRow = Jsonified<ApiKeyInfo>;
export type AuditRow = Jsonified<AuditRecord>;

/** The current session (cookie or key); a 401 means nobody is signed in. */
export const fetchSession = (client: ApiClient) => client.get<SessionInfo>('/session');
/** Signs in with email and password; the server sets the HttpOnly cookie. */
export const signIn = (client: ApiClient, email: string, password: string) => client.post<SessionInfo>('/session', { email, password });
/** Ends the session and clears its cookie. */
export const signOut = (client: ApiClient) => client.delete<{ signedOut: true }>('/session');
/** Changes the signed-in user's own password. */
export const changePassword = (client: ApiClient, body: { currentPassword: string; newPassword: string }) => client.post<{ changed: true }>('/session/password', body);
/** Whether the installation still needs its first owner. */
export const fetchSetupStatus = (client: ApiClient) => client.get<{ needed: boolean }>('/setup');
/** First run: creates the owner (and workspace) and signs in. */
export const setupOwner = (client: ApiClient, body: { workspace: { slug: string; name: string }; email: string; name: string; password: string }) =>
  client.post<SessionInfo>('/setup', body);

export const fetchUsers = (client: ApiClient) => client.get<{ users: UserRow[] }>('/users');
export const addUser = (client: ApiClient, body: { email: string; name: string; password: string; role: Role }) => client.post<UserRow>('/users', body);
export const changeUser = (client: ApiClient, id: number, body: { role?: Role; disabled?: boolean; name?: string; password?: string }) => client.patch<UserRow>(`/users/${id}`, body);

export const fetchApiKeys = (client: ApiClient) => client.get<{ keys: ApiKeyRow[]; permissions: Permission[] }>('/keys');
export const createKey = (client: ApiClient, body: { kind: 'write' | 'secret'; name: string; scopes?: Permission[] }) => client.post<ApiKeyRow & { key: string }>('/keys', body);
export const revokeKey = (client: ApiClient, id: number) => client.post<ApiKeyRow>(`/keys/${id}/revoke`);

export interface AuditFilters {
  readonly action?: string;
  readonly actorType?: string;
}
export const fetchAudit = (client: ApiClient, filters: AuditFilters & { cursor?: string; limit?: number }) =>
  client.get<{ entries: AuditRow[]; nextCursor: string | null }>('/audit', { ...filters });
