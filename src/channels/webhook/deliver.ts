import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Provider } from '../providers.ts';
import type { DeliveryResult, OutgoingMessage } from '../types.ts';
import { signatureHeader, signWebhook, timestampHeader } from './signing.ts';

// Keep-alive agents shared by every delivery: a batch reuses a few sockets instead of opening one per message.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Whether an HTTP status is worth trying again: the receiver is down, overloaded or timed out. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function payloadOf(message: OutgoingMessage): Record<string, unknown> {
  return {
    id: message.id,
    idempotencyKey: message.idempotencyKey,
    workspaceId: message.workspaceId,
    customerId: message.customerId,
    purpose: message.purpose,
    ...(message.content.subject !== undefined ? { subject: message.content.subject } : {}),
    text: message.content.text,
    data: message.content.data ?? {},
  };
}

/** POSTs a signed JSON body; resolves to the HTTP status, or throws on a network error or timeout. */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}

async function deliver(provider: Provider<'webhook'>, body: string, idempotencyKey: string, now: Date): Promise<DeliveryResult> {
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const status = await post(
      new URL(provider.config.url),
      body,
      {
        'idempotency-key': idempotencyKey,
        [timestampHeader]: String(timestamp),
        [signatureHeader]: signWebhook(provider.secrets.signingSecret!, timestamp, body),
      },
      provider.config.timeoutMs,
    );
    if (status >= 200 && status < 300) return { ok: true };
    return { ok: false, retry: retryableStatus(status), reason: `webhook answered HTTP ${status}` };
  } catch (error) {
    return { ok: false, retry: true, reason: `webhook ${(error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable'}: ${(error as Error).message}` };
  }
}

/** POSTs one message as JSON to the workspace's webhook with its idempotency key and an HMAC signature. */
export function deliverWebhook(message: OutgoingMessage, provider: Provider<'webhook'>, now: Date): Promise<DeliveryResult> {
  return deliver(provider, JSON.stringify(payloadOf(message)), message.idempotencyKey, now);
}

/**
 * POSTs several messages in one request, `{ "messages": [ … ] }`, each with its own idempotency key (which
 * the receiver deduplicates on); the request's Idempotency-Key is a digest of the items' keys. One answer
 * settles the whole batch.
 */
export async function deliverWebhookBatch(messages: readonly OutgoingMessage[], provider: Provider<'webhook'>, now: Date): Promise<DeliveryResult[]> {
  const key = `batch:${createHash('sha256').update(messages.map((m) => m.idempotencyKey).join('\n')).digest('hex').slice(0, 40)}`;
  const result = await deliver(provider, JSON.stringify({ messages: messages.map(payloadOf) }), key, now);
  return messages.map(() => result);
}
