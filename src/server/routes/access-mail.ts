import type { Kysely } from 'kysely';
import { deliverEmail, loadProviders } from '../../channels/index.ts';
import type { Database } from '../../db/index.ts';

/** What became of an access email: sent, or why not (the caller then hands the link over another way, or says so). */
export type AccessMailOutcome = { readonly sent: true } | { readonly sent: false; readonly reason: 'no_smtp' | 'smtp_failed'; readonly detail?: string };

/** The console page a link opens, on the public address of the workspace's email provider; the token rides in the fragment, so it never reaches a server log or a Referer. */
export function consoleLink(baseUrl: string, page: 'accept-invite' | 'reset-password', token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${page}#token=${encodeURIComponent(token)}`;
}

/** The public base URL of a workspace's email provider, if it has one (links in access emails use it, never the request's Host header). */
export async function emailBaseUrl(db: Kysely<Database>, workspaceId: number): Promise<string | undefined> {
  return (await loadProviders(db, workspaceId)).email?.config.publicUrl;
}

/**
 * Sends a plain-text access email (invitation, password reset) through the workspace's SMTP provider:
 * transactional, without tracking or unsubscribe links. `link` is built from the provider's public URL.
 */
export async function sendAccessEmail(
  db: Kysely<Database>,
  workspaceId: number,
  mail: { to: string; idempotencyKey: string; content: (link: (page: 'accept-invite' | 'reset-password', token: string) => string) => { subject: string; text: string } },
): Promise<AccessMailOutcome> {
  const provider = (await loadProviders(db, workspaceId)).email;
  if (!provider) return { sent: false, reason: 'no_smtp' };
  const content = mail.content((page, token) => consoleLink(provider.config.publicUrl, page, token));
  const result = await deliverEmail(
    { workspaceId, customerId: 0, id: 0, idempotencyKey: mail.idempotencyKey, channel: 'email', purpose: 'transactional', address: mail.to, content, attempts: 0 },
    provider,
    // Only used to sign tracking and unsubscribe links, which a text-only transactional email does not carry.
    '',
  );
  return result.ok ? { sent: true } : { sent: false, reason: 'smtp_failed', detail: result.reason };
}

const roleNames = {
  owner: ['owner', '所有者'],
  admin: ['admin', '管理员'],
  operator: ['operator', '运营'],
  analyst: ['analyst', '分析师'],
  viewer: ['viewer', '只读成员'],
} as const;

/** The invitation email, in Chinese and English (the recipient's language is not known yet). */
export function invitationEmail(input: { workspaceName: string; inviterName: string | undefined; role: keyof typeof roleNames; link: string; expiresAt: Date }) {
  const [en, zh] = roleNames[input.role];
  const by = input.inviterName ?? 'An administrator';
  const byZh = input.inviterName ?? '管理员';
  return {
    subject: `邀请您加入 Patron 工作区「${input.workspaceName}」 / Invitation to ${input.workspaceName} on Patron`,
    text: [
      `${byZh} 邀请您以「${zh}」身份加入 Patron 工作区「${input.workspaceName}」。`,
      `打开下面的链接接受邀请（${input.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC 前有效，只能使用一次）：`,
      input.link,
      '',
      `${by} invited you to the Patron workspace "${input.workspaceName}" as ${en}.`,
      `Open this link to accept (valid once, until ${input.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC):`,
      input.link,
      '',
      '如果您不认识邀请人，请忽略此邮件。 If you did not expect this, ignore this email.',
    ].join('\n'),
  };
}

/** The password reset email, in Chinese and English. */
export function passwordResetEmail(input: { link: string; expiresAt: Date }) {
  const until = `${input.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return {
    subject: '重置您的 Patron 密码 / Reset your Patron password',
    text: [
      `有人请求重置此邮箱的 Patron 密码。打开下面的链接设置新密码（${until} 前有效，只能使用一次；设置后您在所有设备上的登录都会退出）：`,
      input.link,
      '',
      `Someone asked to reset the Patron password of this email. Open this link to set a new one (valid once, until ${until}; every signed-in session ends when you do):`,
      input.link,
      '',
      '如果不是您本人操作，请忽略此邮件，您的密码不会改变。 If this was not you, ignore this email: your password stays as it is.',
    ].join('\n'),
  };
}
