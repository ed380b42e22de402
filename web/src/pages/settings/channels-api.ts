import type { ApiClient } from '../../api/client.ts';

export const channelKinds = ['email', 'sms', 'wechat', 'webhook'] as const;
export type ChannelKind = (typeof channelKinds)[number];
export const messageStatuses = ['queued', 'held', 'sent', 'delivered', 'failed', 'bounced', 'suppressed', 'dry_run'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** A provider as the API shows it: secrets only as "set". */
export interface ProviderView {
  readonly channel: ChannelKind;
  readonly config: Record<string, unknown>;
  readonly secrets: Record<string, 'set'>;
}

export interface CapRule {
  readonly max: number;
  readonly days: number;
}

export interface ContactPolicy {
  readonly fallbackOrder: ChannelKind[];
  readonly preferredChannelAttribute: string;
  readonly caps: { readonly global: CapRule[]; readonly perChannel: Partial<Record<ChannelKind, CapRule[]>> };
  readonly quietHours: { readonly start: string; readonly end: string; readonly mode: 'hold' | 'skip' } | null;
  readonly globalControlShare: number;
}

/** One row of the message log. */
export interface MessageLogEntry {
  readonly id: number;
  readonly customerId: number;
  readonly channel: ChannelKind | null;
  readonly purpose: 'marketing' | 'transactional';
  readonly status: MessageStatus;
  readonly reason: string | null;
  readonly source: { readonly kind: 'journey' | 'campaign' | 'api'; readonly id: number };
  readonly attempts: number;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly deliveredAt: string | null;
  readonly reportedAt: string | null;
}

export interface MessageFilters {
  readonly channel?: ChannelKind;
  readonly status?: MessageStatus;
  readonly customerId?: number;
}

export function fetchProviders(client: ApiClient): Promise<ProviderView[]> {
  return client.get('/channels/providers');
}

/** Saves a provider; secrets left out keep their stored value. */
export function saveProvider(client: ApiClient, channel: ChannelKind, input: { config: Record<string, unknown>; secrets: Record<string, string> }): Promise<ProviderView> {
  return client.put(`/channels/providers/${channel}`, input);
}

export function fetchReceiptEndpoints(client: ApiClient): Promise<Record<ChannelKind, string>> {
  return client.get('/channels/receipt-endpoints');
}

/** Sends a test message to a customer now; answers with its log entry. */
export function sendTestMessage(client: ApiClient, channel: ChannelKind, input: { customerId: number; content: { subject?: string; text: string; wechatTemplateId?: string } }): Promise<MessageLogEntry> {
  return client.post(`/channels/providers/${channel}/test`, input);
}

export function fetchContactPolicy(client: ApiClient): Promise<ContactPolicy> {
  return client.get('/channels/policy');
}

export function saveContactPolicy(client: ApiClient, policy: ContactPolicy): Promise<ContactPolicy> {
  return client.put('/channels/policy', policy);
}

/** A page of the message log, newest first; `next` is the cursor of the following page. */
export function fetchMessages(client: ApiClient, filters: MessageFilters & { before?: number; limit?: number }): Promise<{ messages: MessageLogEntry[]; next: number | null }> {
  return client.get('/channels/messages', { channel: filters.channel, status: filters.status, customerId: filters.customerId, before: filters.before, limit: filters.limit });
}

/** An address no message is sent to on its channel (bounced, complained, or added by hand). */
export interface Suppression {
  readonly channel: ChannelKind;
  readonly address: string;
  readonly reason: string;
  readonly source: string;
  readonly createdAt: string;
}

export function fetchSuppressions(client: ApiClient, filter: { channel?: ChannelKind; prefix?: string }): Promise<Suppression[]> {
  return client.get('/channels/suppressions', { channel: filter.channel, prefix: filter.prefix, limit: 200 });
}

export function addSuppression(client: ApiClient, item: { channel: ChannelKind; address: string; reason?: string }): Promise<{ added: number }> {
  return client.post('/channels/suppressions', { items: [item] });
}

export function removeSuppression(client: ApiClient, channel: ChannelKind, address: string): Promise<unknown> {
  return client.delete(`/channels/suppressions/${channel}/${encodeURIComponent(address)}`);
}
