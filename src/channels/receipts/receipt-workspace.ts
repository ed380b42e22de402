import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { loadProviders, type Providers } from '../providers.ts';
import type { ChannelKind } from '../types.ts';
import { receiptTokenWorkspace, verifyReceiptToken } from './endpoint-token.ts';

/**
 * The workspace a receipt address belongs to, with its providers, when the token is genuine for the channel;
 * null otherwise. A workspace that never had a contact policy never showed a receipt address, so none is created.
 */
export async function receiptWorkspace(db: Kysely<Database>, token: string, channel: ChannelKind): Promise<{ workspaceId: number; providers: Providers } | null> {
  const workspaceId = receiptTokenWorkspace(token);
  if (workspaceId === null) return null;
  const row = await db.selectFrom('contact_policies').select('link_secret').where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row || !verifyReceiptToken(row.link_secret, token, channel)) return null;
  return { workspaceId, providers: await loadProviders(db, workspaceId) };
}
