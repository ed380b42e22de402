import type { Provider } from '../providers.ts';
import type { DeliveryResult, OutgoingMessage } from '../types.ts';

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

// access_token is shared by every process of an app and valid about two hours; it is cached per app and
// fetched again shortly before it expires or when WeChat says it is invalid (40001) or expired (42001).
const tokens = new Map<string, CachedToken>();
const refreshMarginMs = 5 * 60_000;
const tokenErrors = new Set([40001, 40014, 42001]);
// System busy and frequency limits: try later.
const retryErrors = new Set([-1, 45009, 45047]);
// The openid is not valid for this app: the address itself is bad.
const badRecipientErrors = new Set([40003]);

/** Forgets cached access tokens (tests). */
export function clearWechatTokens(): void {
  tokens.clear();
  inflight.clear();
}

type TokenResult = { readonly token: string } | { readonly error: DeliveryResult };

// One token request per app at a time: every new token WeChat issues invalidates the previous one, so parallel
// deliveries fetching their own would keep invalidating each other.
const inflight = new Map<string, Promise<TokenResult>>();

async function fetchToken(provider: Provider<'wechat'>, key: string, now: Date): Promise<TokenResult> {
  const url = new URL('/cgi-bin/token', provider.config.apiBase);
  url.searchParams.set('grant_type', 'client_credential');
  url.searchParams.set('appid', provider.config.appId);
  url.searchParams.set('secret', provider.secrets.appSecret!);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { access_token?: string; expires_in?: number; errcode?: number; errmsg?: string };
  if (!body.access_token) {
    const retry = body.errcode === undefined || retryErrors.has(body.errcode);
    return { error: { ok: false, retry, reason: `WeChat access_token: ${body.errcode ?? response.status} ${body.errmsg ?? ''}`.trim() } };
  }
  tokens.set(key, { token: body.access_token, expiresAt: now.getTime() + (body.expires_in ?? 7200) * 1000 });
  return { token: body.access_token };
}

/** The app's current token; `rejected` is a token WeChat just refused, replaced unless another call already did. */
async function accessToken(provider: Provider<'wechat'>, now: Date, rejected: string | null): Promise<TokenResult> {
  const key = `${provider.config.apiBase}|${provider.config.appId}`;
  const cached = tokens.get(key);
  if (cached && cached.token !== rejected && cached.expiresAt - refreshMarginMs > now.getTime()) return { token: cached.token };
  let pending = inflight.get(key);
  if (!pending) {
    pending = fetchToken(provider, key, now).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

/**
 * Sends an Official Account template message (POST /cgi-bin/message/template/send). The message's data
 * become the template fields ({ key: { value } }); client_msg_id carries the idempotency key, which WeChat
 * uses to refuse a repeat. A token WeChat calls invalid or expired is fetched again once.
 */
export async function deliverWechat(message: OutgoingMessage, provider: Provider<'wechat'>, now: Date): Promise<DeliveryResult> {
  if (!message.address) return { ok: false, retry: false, reason: 'no WeChat openid' };
  const templateId = message.content.wechatTemplateId;
  if (!templateId) return { ok: false, retry: false, reason: 'a WeChat template message needs wechatTemplateId' };
  const fields = message.content.data && Object.keys(message.content.data).length > 0 ? message.content.data : { content: message.content.text };
  const payload = JSON.stringify({
    touser: message.address,
    template_id: templateId,
    ...(provider.config.defaultUrl ? { url: provider.config.defaultUrl } : {}),
    data: Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value }])),
    client_msg_id: message.idempotencyKey,
  });
  try {
    let rejected: string | null = null;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await accessToken(provider, now, rejected);
      if ('error' in token) return token.error;
      const url = new URL('/cgi-bin/message/template/send', provider.config.apiBase);
      url.searchParams.set('access_token', token.token);
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, signal: AbortSignal.timeout(10_000) });
      if (!response.ok) return { ok: false, retry: response.status >= 500, reason: `WeChat answered HTTP ${response.status}` };
      const body = (await response.json()) as { errcode?: number; errmsg?: string; msgid?: number | string };
      const code = body.errcode ?? 0;
      if (code === 0) return { ok: true, ...(body.msgid !== undefined ? { providerMessageId: String(body.msgid) } : {}) };
      if (tokenErrors.has(code) && attempt === 0) {
        rejected = token.token;
        continue;
      }
      const reason = `WeChat: ${code} ${body.errmsg ?? ''}`.trim();
      return { ok: false, retry: retryErrors.has(code), reason, ...(badRecipientErrors.has(code) ? { bounce: true } : {}) };
    }
    return { ok: false, retry: true, reason: 'WeChat refused a freshly fetched access_token' };
  } catch (error) {
    return { ok: false, retry: true, reason: `WeChat unreachable: ${(error as Error).message}` };
  }
}
