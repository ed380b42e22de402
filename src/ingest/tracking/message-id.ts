import { createHash } from 'node:crypto';

// Fields that change between retries of the same message, or say nothing about it.
const volatileFields = new Set(['sentAt', 'writeKey', 'messageId', 'receivedAt']);

function canonical(value: unknown, top: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, false)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => !(top && volatileFields.has(k)) && (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], false)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A message id for a message sent without one, derived from its content (keys sorted, sentAt ignored),
 * so that a client retrying the same call lands it once. Two calls with identical content and no
 * timestamp therefore count as one: senders that mean two events send a messageId or a timestamp.
 */
export function deriveMessageId(message: Readonly<Record<string, unknown>>): string {
  return `patron-${createHash('sha256').update(canonical(message, true)).digest('base64url').slice(0, 32)}`;
}
