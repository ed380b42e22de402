import { createHmac, randomUUID } from 'node:crypto';
import type { Provider } from '../providers.ts';
import type { DeliveryResult, OutgoingMessage } from '../types.ts';

/** Aliyun's percent-encoding for signatures: RFC 3986 unreserved characters stay, everything else is %XX. */
export function aliyunEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Signs RPC-style parameters (Aliyun POP signature version 1.0): HMAC-SHA1 keyed with `secret&` over
 * `GET&%2F&<encoded canonical query>`, base64.
 */
export function aliyunSignature(secret: string, params: Record<string, string>, method = 'GET'): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k]!)}`)
    .join('&');
  const toSign = `${method}&${aliyunEncode('/')}&${aliyunEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(toSign).digest('base64');
}

/** Phone numbers as dysmsapi takes them: mainland numbers without +86, others with their country code and no '+'. */
export function aliyunPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.startsWith('+86')) return digits.slice(3);
  return digits.startsWith('+') ? digits.slice(1) : digits;
}

// Codes that say "try later" (flow control, provider trouble); see Aliyun SMS error codes.
const retryCodes = new Set(['isv.BUSINESS_LIMIT_CONTROL', 'isp.SYSTEM_ERROR', 'Throttling.User', 'ServiceUnavailable']);
// Codes that say the number itself cannot receive: treated as a bounce and suppressed.
const badNumberCodes = new Set(['isv.MOBILE_NUMBER_ILLEGAL', 'isv.MOBILE_COUNT_OVER_LIMIT']);

/**
 * Sends one SMS through Aliyun SMS SendSms (API version 2017-05-25). The rendered text goes into the
 * template variable `textParam` of the configured template, next to the message's data; OutId carries the
 * idempotency key so the provider's receipts name the message.
 */
export async function deliverSms(message: OutgoingMessage, provider: Provider<'sms'>, now: Date): Promise<DeliveryResult> {
  if (!message.address) return { ok: false, retry: false, reason: 'no phone number' };
  const { config } = provider;
  const params: Record<string, string> = {
    AccessKeyId: config.accessKeyId,
    Action: 'SendSms',
    Format: 'JSON',
    OutId: message.idempotencyKey,
    PhoneNumbers: aliyunPhone(message.address),
    RegionId: config.regionId,
    SignName: config.signName,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: randomUUID(),
    SignatureVersion: '1.0',
    TemplateCode: config.templateCode,
    TemplateParam: JSON.stringify({ ...message.content.data, [config.textParam]: message.content.text }),
    Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: '2017-05-25',
  };
  const signature = aliyunSignature(provider.secrets.accessKeySecret!, params);
  const query = Object.entries({ ...params, Signature: signature })
    .map(([k, v]) => `${aliyunEncode(k)}=${aliyunEncode(v)}`)
    .join('&');
  try {
    const response = await fetch(`${config.endpoint.replace(/\/?$/, '/')}?${query}`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    let body: { Code?: string; Message?: string; BizId?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { ok: false, retry: response.status >= 500, reason: `SMS gateway answered HTTP ${response.status} without JSON` };
    }
    if (body.Code === 'OK') return { ok: true, ...(body.BizId ? { providerMessageId: body.BizId } : {}) };
    const code = body.Code ?? `HTTP ${response.status}`;
    const reason = `SMS gateway: ${code} ${body.Message ?? ''}`.trim();
    if (badNumberCodes.has(code)) return { ok: false, retry: false, reason, bounce: true };
    return { ok: false, retry: retryCodes.has(code) || response.status >= 500, reason };
  } catch (error) {
    return { ok: false, retry: true, reason: `SMS gateway unreachable: ${(error as Error).message}` };
  }
}
