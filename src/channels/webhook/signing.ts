import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers Patron signs a webhook with. */
export const signatureHeader = 'x-patron-signature';
export const timestampHeader = 'x-patron-timestamp';

/**
 * HMAC-SHA256 over `<unix seconds>.<raw body>`, sent as `v1=<hex>` beside the timestamp, so a receiver
 * can refuse both forged bodies and replays older than its tolerance (the scheme Stripe popularised).
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** Checks a webhook's signature and that its timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifyWebhookSignature(
  secret: string,
  input: { readonly body: string; readonly signature: string | undefined; readonly timestamp: string | undefined },
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(input.timestamp);
  if (!input.signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
