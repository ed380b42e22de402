/** The channels Patron delivers through. */
export const channelKinds = ['email', 'sms', 'wechat', 'webhook'] as const;
export type ChannelKind = (typeof channelKinds)[number];
export type MessagePurpose = 'marketing' | 'transactional';

/** Liquid templates (liquidjs), rendered per customer. */
export interface MessageContent {
  /** Email subject. */
  readonly subject?: string;
  /** Text part / SMS body / WeChat text / webhook "text" field. */
  readonly text: string;
  /** Email HTML part. */
  readonly html?: string;
  /** Official Account template message id. */
  readonly wechatTemplateId?: string;
  /** Template data (WeChat template fields, SMS template parameters, webhook payload extras). */
  readonly data?: Record<string, string>;
}

export interface MessageRequest {
  readonly customerId: number;
  /** 'preferred': the customer's preferred channel with the workspace's fallback order. */
  readonly channel: ChannelKind | 'preferred';
  readonly purpose: MessagePurpose;
  readonly content: MessageContent | { readonly templateId: number };
  /** Extra Liquid variables (event properties, coupon code, …), available at the top level of the template. */
  readonly variables?: Record<string, unknown>;
  /** e.g. journey:<versionId>:<customerId>:<stepId>:<entryId>; a repeat is a no-op. */
  readonly idempotencyKey: string;
  readonly source: { readonly kind: 'journey' | 'campaign' | 'api'; readonly id: number; readonly stepId?: string; readonly variant?: string };
  readonly dryRun?: boolean;
}

export type MessageOutcome =
  | { readonly status: 'queued' | 'sent'; readonly messageId: number; readonly channel: ChannelKind }
  /** Quiet hours: try again at `until` with the same idempotency key. */
  | { readonly status: 'held'; readonly messageId: number; readonly until: Date }
  /** No consent, cap reached, suppression list, global control group, no address. */
  | { readonly status: 'suppressed'; readonly messageId: number; readonly reason: string }
  /** The idempotency key was already used. */
  | { readonly status: 'duplicate'; readonly messageId: number }
  | { readonly status: 'failed'; readonly messageId: number; readonly reason: string };

/** A message as rendered at queue time and stored in the log; what an adapter delivers. */
export interface RenderedMessage {
  readonly subject?: string;
  readonly text: string;
  readonly html?: string;
  readonly wechatTemplateId?: string;
  readonly data?: Record<string, string>;
}

/** A claimed message handed to a channel adapter. */
export interface OutgoingMessage {
  readonly workspaceId: number;
  readonly customerId: number;
  readonly id: number;
  readonly idempotencyKey: string;
  readonly channel: ChannelKind;
  readonly purpose: MessagePurpose;
  readonly address: string | null;
  readonly content: RenderedMessage;
  readonly attempts: number;
}

/** What an adapter reports for one message: failures a provider answers normally are values, not exceptions. */
export type DeliveryResult =
  | { readonly ok: true; readonly providerMessageId?: string }
  /** `bounce`: the address itself was refused (e.g. SMTP 550 no such user); it goes on the suppression list. */
  | { readonly ok: false; readonly retry: boolean; readonly reason: string; readonly bounce?: boolean };

export function isChannelKind(value: unknown): value is ChannelKind {
  return typeof value === 'string' && (channelKinds as readonly string[]).includes(value);
}

