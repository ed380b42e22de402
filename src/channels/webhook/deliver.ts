import type { Provider } from '../providers.ts';
import type { DeliveryResult, OutgoingMessage } from '../types.ts';
import { signatureHeader, signWebhook, timestampHeader } from './signing.ts';

/** Whether an HTTP status is worth trying again: the receiver is down, overloaded or timed out. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs one message as JSON to the workspace's webhook with its idempotency key and an HMAC signature.
 * Node's fetch keeps connections alive, so a batch reuses a few sockets.
 */
export async function deliverWebhook(message: OutgoingMessage, provider: Provider<'webhook'>, now: Date): Promise<DeliveryResult> {
  const body = JSON.stringify({
    id: message.id,
    idempotencyKey: message.idempotencyKey,
    workspaceId: message.workspaceId,
    customerId: message.customerId,
    purpose: message.purpose,
    ...(message.content.subject !== undefined ? { subject: message.content.subject } : {}),
    text: message.content.text,
    data: message.content.data ?? {},
  });
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const response = await fetch(provider.config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.idempotencyKey,
        [timestampHeader]: String(timestamp),
        [signatureHeader]: signWebhook(provider.secrets.signingSecret!, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(provider.config.timeoutMs),
    });
    await response.arrayBuffer();
    if (response.ok) return { ok: true };
    return { ok: false, retry: retryableStatus(response.status), reason: `webhook answered HTTP ${response.status}` };
  } catch (error) {
    const name = (error as Error).name;
    return { ok: false, retry: true, reason: name === 'TimeoutError' ? `webhook timed out after ${provider.config.timeoutMs} ms` : `webhook unreachable: ${(error as Error).message}` };
  }
}
