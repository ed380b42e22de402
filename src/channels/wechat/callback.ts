import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeliveryReport } from '../receipts/record.ts';

/**
 * Checks the signature WeChat puts on every call to an Official Account's server URL: SHA-1 of the Token
 * (from the OA's server configuration), timestamp and nonce, sorted and joined.
 */
export function verifyWechatSignature(token: string, query: { signature?: string; timestamp?: string; nonce?: string }): boolean {
  if (!query.signature || !query.timestamp || !query.nonce) return false;
  const expected = Buffer.from(createHash('sha1').update([token, query.timestamp, query.nonce].sort().join('')).digest('hex'));
  const given = Buffer.from(query.signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A flat WeChat XML push (plain-text mode): each child element's text, CDATA unwrapped. */
export function parseWechatXml(xml: string): Record<string, string> | null {
  const body = /^\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(xml);
  if (!body) return null;
  const fields: Record<string, string> = {};
  for (const m of body[1]!.matchAll(/<([A-Za-z][\w]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) fields[m[1]!] = m[2] ?? m[3] ?? '';
  return fields;
}

/**
 * The template message result WeChat pushes to the OA's server URL (event TEMPLATESENDJOBFINISH): Status is
 * "success", "failed:user block" (the follower refused the account's template messages: treated as a bounce,
 * so the openid is suppressed) or "failed: system failed". Other pushes are not delivery reports: null.
 */
export function fromWechatEvent(fields: Record<string, string>): DeliveryReport | null {
  if (fields.MsgType !== 'event' || fields.Event !== 'TEMPLATESENDJOBFINISH' || !fields.MsgID) return null;
  const status = (fields.Status ?? '').trim();
  const at = /^\d{1,12}$/.test(fields.CreateTime ?? '') ? new Date(Number(fields.CreateTime) * 1000) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) return null;
  const outcome = status === 'success' ? 'delivered' : /user\s*block/i.test(status) ? 'bounced' : 'failed';
  return { channel: 'wechat', providerMessageId: fields.MsgID, outcome, reason: outcome === 'delivered' ? null : `WeChat: ${status || 'failed'}`, at };
}
