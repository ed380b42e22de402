import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelKind } from '../types.ts';

function mac(secret: string, workspaceId: number, channel: ChannelKind): string {
  return createHmac('sha256', secret).update(`receipts|${workspaceId}|${channel}`).digest('base64url').slice(0, 32);
}

/**
 * The secret part of a channel's receipt address, `<workspace>.<mac>`: signed with the workspace's link secret,
 * so only someone given the address can post reports for that workspace and channel. Aliyun's report push and a
 * mail relay's bounce webhook carry no signature of their own, so for them this address is the credential.
 */
export function receiptToken(linkSecret: string, workspaceId: number, channel: ChannelKind): string {
  return `${workspaceId}.${mac(linkSecret, workspaceId, channel)}`;
}

/** The workspace a receipt token claims, read before its secret is known; null when malformed. */
export function receiptTokenWorkspace(token: string): number | null {
  const m = /^(\d{1,15})\.[A-Za-z0-9_-]{32}$/.exec(token);
  return m ? Number(m[1]) : null;
}

/** Whether a receipt token was issued for this workspace and channel. */
export function verifyReceiptToken(linkSecret: string, token: string, channel: ChannelKind): boolean {
  const workspaceId = receiptTokenWorkspace(token);
  if (workspaceId === null) return false;
  const expected = Buffer.from(receiptToken(linkSecret, workspaceId, channel));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Where each channel's provider posts its reports, relative to Patron's public address. */
export const receiptPathPrefixes: Readonly<Record<ChannelKind, string>> = {
  sms: '/hooks/sms/aliyun/',
  email: '/hooks/email/bounces/',
  wechat: '/hooks/wechat/',
  webhook: '/hooks/webhook/receipts/',
};

/** The receipt address of each channel for a workspace, relative to Patron's public address. */
export function receiptPaths(linkSecret: string, workspaceId: number): Record<ChannelKind, string> {
  const paths = {} as Record<ChannelKind, string>;
  for (const channel of Object.keys(receiptPathPrefixes) as ChannelKind[]) paths[channel] = `${receiptPathPrefixes[channel]}${receiptToken(linkSecret, workspaceId, channel)}`;
  return paths;
}
