import type { Invitation, Role } from '../../../src/access/index.ts';
import type { ApiClient } from '../api/client.ts';
import type { Jsonified } from '../api/payloads.ts';
import type { SessionInfo } from './session-api.ts';

export type InvitationRow = Jsonified<Invitation>;

/** What became of an invitation's email: sent, or the link to pass on and why. */
export interface InvitationDelivery {
  readonly sent: boolean;
  readonly reason?: 'no_smtp' | 'smtp_failed';
  readonly message: string;
  readonly acceptUrl?: string;
}

export const fetchInvitations = (client: ApiClient) => client.get<{ invitations: InvitationRow[]; emailConfigured: boolean }>('/invitations');
export const inviteUser = (client: ApiClient, body: { email: string; role: Role }) => client.post<{ invitation: InvitationRow; delivery: InvitationDelivery }>('/invitations', body);
export const resendInvitation = (client: ApiClient, id: number) => client.post<{ invitation: InvitationRow; delivery: InvitationDelivery }>(`/invitations/${id}/resend`);
export const revokeInvitation = (client: ApiClient, id: number) => client.post<InvitationRow>(`/invitations/${id}/revoke`);

/** What an invitation link is for; refused (with the reason in the error's details) when it no longer works. */
export const previewInvitation = (client: ApiClient, token: string) =>
  client.post<{ workspace: { id: number; name: string }; email: string; role: Role; expiresAt: string; accountExists: boolean }>('/invitations/preview', { token });
export const acceptInvitation = (client: ApiClient, body: { token: string; name?: string; password: string }) => client.post<SessionInfo>('/invitations/accept', body);

export const requestPasswordReset = (client: ApiClient, email: string) => client.post<{ requested: true; message: string }>('/password-reset', { email });
export const confirmPasswordReset = (client: ApiClient, body: { token: string; password: string }) => client.post<{ reset: true; email: string }>('/password-reset/confirm', body);

export interface MembershipRow {
  readonly workspaceId: number;
  readonly slug: string;
  readonly name: string;
  readonly role: Role | null;
}
export const fetchMyWorkspaces = (client: ApiClient) => client.get<{ current: number; workspaces: MembershipRow[] }>('/session/workspaces');
/** Moves the session to another workspace: the answer carries the new session's CSRF token. */
export const switchWorkspace = (client: ApiClient, workspaceId: number) => client.post<SessionInfo>('/session/workspace', { workspaceId });

/** The token in a link's fragment (`#token=…`), which never reaches the server's logs. */
export function tokenFromHash(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && token.length > 0 ? token : undefined;
}
