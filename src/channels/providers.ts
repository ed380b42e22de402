import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { invalidInput } from '../lib/errors.ts';
import type { ChannelKind } from './types.ts';

type Db = Kysely<Database> | Transaction<Database>;

const httpUrl = z.url({ protocol: /^https?$/ });

/** Each channel's provider: `config` is shown by the API, `secrets` are write-only. */
export const providerSchemas = {
  email: {
    config: z.object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      from: z.string().min(3).max(300),
      replyTo: z.string().max(300).optional(),
      /** The public base URL of this Patron (open pixel, click redirects, unsubscribe page). */
      publicUrl: httpUrl,
      trackOpens: z.boolean().default(true),
      trackClicks: z.boolean().default(true),
    }),
    secrets: z.object({ user: z.string().min(1).optional(), pass: z.string().min(1).optional() }),
  },
  sms: {
    config: z.object({
      /** Aliyun SMS (dysmsapi, API version 2017-05-25). */
      endpoint: httpUrl.default('https://dysmsapi.aliyuncs.com/'),
      regionId: z.string().default('cn-hangzhou'),
      accessKeyId: z.string().min(1),
      signName: z.string().min(1),
      /** An approved template whose one variable (`textParam`) receives the rendered text. */
      templateCode: z.string().min(1),
      textParam: z.string().min(1).default('content'),
    }),
    secrets: z.object({ accessKeySecret: z.string().min(1).optional() }),
  },
  wechat: {
    config: z.object({
      apiBase: httpUrl.default('https://api.weixin.qq.com'),
      appId: z.string().min(1),
      /** Page opened when the template message is tapped, unless the message names its own. */
      defaultUrl: httpUrl.optional(),
    }),
    secrets: z.object({
      appSecret: z.string().min(1).optional(),
      /** The Token of the OA's server configuration: WeChat signs its pushes (template message results) with it. */
      callbackToken: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'use 3 to 32 letters or digits, as the OA server configuration does').optional(),
    }),
  },
  webhook: {
    config: z.object({
      url: httpUrl,
      timeoutMs: z.number().int().min(100).max(60_000).default(5000),
      /** Messages per request: 1 posts each message on its own; more posts `{ "messages": [...] }`. */
      batchSize: z.number().int().min(1).max(1000).default(1),
    }),
    secrets: z.object({ signingSecret: z.string().min(16).optional() }),
  },
} as const;

export type ProviderConfig<C extends ChannelKind> = z.infer<(typeof providerSchemas)[C]['config']>;
export type ProviderSecrets<C extends ChannelKind> = z.infer<(typeof providerSchemas)[C]['secrets']>;

export interface Provider<C extends ChannelKind = ChannelKind> {
  readonly config: ProviderConfig<C>;
  readonly secrets: ProviderSecrets<C>;
}

export type Providers = { readonly [C in ChannelKind]?: Provider<C> };

/** The secrets each channel needs before it can deliver. */
const requiredSecrets: Record<ChannelKind, readonly string[]> = { email: [], sms: ['accessKeySecret'], wechat: ['appSecret'], webhook: ['signingSecret'] };

/** The workspace's configured providers. */
export async function loadProviders(db: Db, workspaceId: number): Promise<Providers> {
  const rows = await db.selectFrom('channel_providers').select(['channel', 'config', 'secrets']).where('workspace_id', '=', workspaceId).execute();
  const result: Record<string, Provider> = {};
  for (const row of rows) {
    const schema = providerSchemas[row.channel];
    result[row.channel] = { config: schema.config.parse(row.config), secrets: schema.secrets.parse(row.secrets) } as Provider;
  }
  return result as Providers;
}

/** A provider as the API shows it: each secret only as whether it is set. */
export interface ProviderView {
  readonly channel: ChannelKind;
  readonly config: Record<string, unknown>;
  readonly secrets: Record<string, 'set'>;
}

export function viewProvider(channel: ChannelKind, provider: Provider): ProviderView {
  const secrets = Object.fromEntries(Object.entries(provider.secrets).filter(([, v]) => v).map(([k]) => [k, 'set' as const]));
  return { channel, config: provider.config as Record<string, unknown>, secrets };
}

/**
 * Saves a channel's provider. Secrets left out keep their stored value, so the console can save a config
 * change without ever having seen the secret.
 */
export async function saveProvider(db: Db, workspaceId: number, channel: ChannelKind, input: { config: unknown; secrets?: unknown }, now: Date): Promise<ProviderView> {
  const schema = providerSchemas[channel];
  const config = schema.config.safeParse(input.config);
  if (!config.success) {
    const issue = config.error.issues[0]!;
    throw invalidInput(`The ${channel} provider's config is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`, { path: ['config', ...issue.path.map(String)] });
  }
  const secrets = schema.secrets.safeParse(input.secrets ?? {});
  if (!secrets.success) {
    const issue = secrets.error.issues[0]!;
    throw invalidInput(`The ${channel} provider's secret ${issue.path.join('.')} is invalid: ${issue.message}`, { path: ['secrets', ...issue.path.map(String)] });
  }
  const stored = await db.selectFrom('channel_providers').select('secrets').where('workspace_id', '=', workspaceId).where('channel', '=', channel).executeTakeFirst();
  const merged: Record<string, unknown> = { ...(stored?.secrets ?? {}), ...secrets.data };
  for (const name of requiredSecrets[channel]) {
    if (!merged[name]) throw invalidInput(`The ${channel} provider needs the secret "${name}"`, { path: ['secrets', name] });
  }
  await db
    .insertInto('channel_providers')
    .values({ workspace_id: workspaceId, channel, config: JSON.stringify(config.data), secrets: JSON.stringify(merged), updated_at: now })
    .onConflict((oc) => oc.columns(['workspace_id', 'channel']).doUpdateSet({ config: JSON.stringify(config.data), secrets: JSON.stringify(merged), updated_at: now }))
    .execute();
  return viewProvider(channel, { config: config.data, secrets: merged } as Provider);
}
