import { consentChannels, consentPurposes, type ConsentStatement } from '../../customers/index.ts';
import type { ConsentChannel, ConsentPurpose, ConsentStatus, JsonObject } from '../../db/index.ts';
import type { TrackingMessage } from './schema.ts';
import type { TrackingWarning } from './traits.ts';

/** A consent statement read from a tracking call, before its profile is known. */
export type TrackedConsent = Omit<ConsentStatement, 'customerId'>;

// Segment's own consent object (categoryPreferences, by cookie category) says nothing about channels; it is left alone.
const ignoredKeys = new Set(['source', 'categoryPreferences']);
const optInTrait = /^(email|sms|wechat|push|phone)_opt_in$/;

const isChannel = (key: string): key is ConsentChannel => (consentChannels as readonly string[]).includes(key);
const isPurpose = (key: string): key is ConsentPurpose => (consentPurposes as readonly string[]).includes(key);

function statusOf(value: unknown): ConsentStatus | undefined {
  if (value === true || value === 'opted_in') return 'opted_in';
  if (value === false || value === 'opted_out') return 'opted_out';
  return undefined;
}

/**
 * The consent statements a call carries (docs/tracking-api.md, "Consent"): `context.consent` maps a channel
 * to true/false or "opted_in"/"opted_out" (marketing), or to an object of those by purpose, with an optional
 * `source`; identify traits `email_opt_in`, `sms_opt_in`, `wechat_opt_in`, `push_opt_in` and `phone_opt_in`
 * (true/false) state marketing consent. Each is dated by the call's time. Values Patron cannot read are reported.
 */
export function consentFromMessage(message: TrackingMessage, context: JsonObject, occurredAt: Date, at: string, warnings: TrackingWarning[]): TrackedConsent[] {
  const found: TrackedConsent[] = [];
  const consent = context.consent;
  const given = consent !== null && typeof consent === 'object' && !Array.isArray(consent) ? (consent as JsonObject) : undefined;
  if (consent !== undefined && given === undefined) warnings.push({ path: `${at}context.consent`, message: 'context.consent is not an object of channels; no consent was recorded' });
  const source = typeof given?.source === 'string' && given.source.trim() !== '' ? given.source.trim().slice(0, 200) : `tracking ${message.type}`;
  const add = (channel: ConsentChannel, purpose: ConsentPurpose, status: ConsentStatus) => found.push({ channel, purpose, status, source, recordedAt: occurredAt });

  for (const [key, value] of Object.entries(given ?? {})) {
    if (ignoredKeys.has(key)) continue;
    const path = `${at}context.consent.${key}`;
    if (!isChannel(key)) {
      warnings.push({ path, message: `"${key.slice(0, 50)}" is not a consent channel (${consentChannels.join(', ')}); ignored` });
      continue;
    }
    const status = statusOf(value);
    if (status) {
      add(key, 'marketing', status);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      warnings.push({ path, message: 'a channel takes true/false, "opted_in"/"opted_out", or an object of those by purpose (marketing, transactional); ignored' });
      continue;
    }
    for (const [purpose, v] of Object.entries(value as JsonObject)) {
      const s = statusOf(v);
      if (isPurpose(purpose) && s) add(key, purpose, s);
      else warnings.push({ path: `${path}.${purpose.slice(0, 50)}`, message: 'give a purpose (marketing, transactional) with true/false or "opted_in"/"opted_out"; ignored' });
    }
  }

  if (message.type === 'identify') {
    for (const [key, value] of Object.entries(message.traits ?? {})) {
      const match = optInTrait.exec(key);
      if (!match) continue;
      const status = typeof value === 'boolean' ? statusOf(value) : undefined;
      if (status) found.push({ channel: match[1] as ConsentChannel, purpose: 'marketing', status, source: given ? source : 'tracking identify trait', recordedAt: occurredAt });
      else warnings.push({ path: `${at}traits.${key}`, message: `${key} is true or false; no consent was recorded` });
    }
  }
  return found;
}
