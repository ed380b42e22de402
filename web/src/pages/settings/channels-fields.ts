import type { ChannelKind } from './channels-api.ts';

/** One field of a provider's form: its name in the API's config or secrets, and how it is entered. */
export interface ProviderField {
  readonly name: string;
  readonly kind: 'text' | 'number' | 'switch' | 'secret';
  readonly required?: boolean;
  readonly placeholder?: string;
}

/** The provider form of each channel, in the order shown (secrets are write-only). */
export const providerFields: Readonly<Record<ChannelKind, readonly ProviderField[]>> = {
  email: [
    { name: 'host', kind: 'text', required: true, placeholder: 'smtp.example.com' },
    { name: 'port', kind: 'number', required: true },
    { name: 'secure', kind: 'switch' },
    { name: 'from', kind: 'text', required: true, placeholder: '示例商城 <shop@example.com>' },
    { name: 'replyTo', kind: 'text' },
    { name: 'publicUrl', kind: 'text', required: true, placeholder: 'https://patron.example.com/' },
    { name: 'trackOpens', kind: 'switch' },
    { name: 'trackClicks', kind: 'switch' },
    { name: 'user', kind: 'secret' },
    { name: 'pass', kind: 'secret' },
  ],
  sms: [
    { name: 'endpoint', kind: 'text', required: true },
    { name: 'regionId', kind: 'text', required: true },
    { name: 'accessKeyId', kind: 'text', required: true },
    { name: 'signName', kind: 'text', required: true },
    { name: 'templateCode', kind: 'text', required: true, placeholder: 'SMS_123456789' },
    { name: 'textParam', kind: 'text', required: true },
    { name: 'accessKeySecret', kind: 'secret' },
  ],
  wechat: [
    { name: 'apiBase', kind: 'text', required: true },
    { name: 'appId', kind: 'text', required: true, placeholder: 'wx…' },
    { name: 'defaultUrl', kind: 'text' },
    { name: 'appSecret', kind: 'secret' },
    { name: 'callbackToken', kind: 'secret' },
  ],
  webhook: [
    { name: 'url', kind: 'text', required: true, placeholder: 'https://app.example.com/patron' },
    { name: 'timeoutMs', kind: 'number', required: true },
    { name: 'batchSize', kind: 'number', required: true },
    { name: 'signingSecret', kind: 'secret' },
  ],
};

/** What a new provider's form starts with (the API's defaults). */
export const providerDefaults: Readonly<Record<ChannelKind, Record<string, unknown>>> = {
  email: { port: 587, secure: false, trackOpens: true, trackClicks: true },
  sms: { endpoint: 'https://dysmsapi.aliyuncs.com/', regionId: 'cn-hangzhou', textParam: 'content' },
  wechat: { apiBase: 'https://api.weixin.qq.com' },
  webhook: { timeoutMs: 5000, batchSize: 1 },
};

/**
 * Splits a form's values into the provider's config and the secrets typed in: an empty text is left out (optional
 * settings unset, secrets kept as stored), so a secret never has to be shown to be kept.
 */
export function providerInput(channel: ChannelKind, values: Record<string, unknown>): { config: Record<string, unknown>; secrets: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const field of providerFields[channel]) {
    const value = values[field.name];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
    if (field.kind === 'secret') secrets[field.name] = String(value);
    else config[field.name] = typeof value === 'string' ? value.trim() : value;
  }
  return { config, secrets };
}
