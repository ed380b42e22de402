import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { identityTypes, type IdentityType } from '../access/index.ts';
import { invalidInput } from '../lib/errors.ts';

/** One identifier of a person, normalized so that equal people compare equal. */
export interface Identity {
  readonly type: IdentityType;
  readonly value: string;
}

/** The key of an identity in maps and sets: type and value. */
export const identityKey = (i: { readonly type: string; readonly value: string }): string => `${i.type}\u0000${i.value}`;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const maxIdentityLength = 320;

/** Rank of a type: lower is more specific and wins when identities disagree. */
export function identityPriority(type: IdentityType): number {
  return identityTypes.indexOf(type);
}

/**
 * Normalizes a raw identifier: emails trimmed and lower-cased, phones to E.164 (numbers without a
 * country code are read in the workspace's default country), other ids trimmed. Throws invalid_input
 * naming the type and value when the value cannot be an identifier of that type.
 */
export function normalizeIdentity(type: IdentityType, raw: string, defaultCountry: string): Identity {
  const trimmed = raw.trim();
  if (trimmed === '') throw invalidInput(`${type} is empty`, { path: [type], value: raw });
  if (trimmed.length > maxIdentityLength) throw invalidInput(`${type} is longer than ${maxIdentityLength} characters`, { path: [type] });
  switch (type) {
    case 'email': {
      const email = trimmed.toLowerCase();
      if (!emailPattern.test(email)) throw invalidInput(`"${trimmed}" is not an email address`, { path: ['email'], value: raw });
      return { type, value: email };
    }
    case 'phone': {
      const phone = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
      if (!phone?.isPossible()) throw invalidInput(`"${trimmed}" is not a phone number (default country ${defaultCountry})`, { path: ['phone'], value: raw });
      return { type, value: phone.number };
    }
    case 'external_id':
    case 'wechat_unionid':
    case 'wechat_openid':
    case 'anonymous_id':
      return { type, value: trimmed };
  }
}

/** Normalizes a list, dropping exact duplicates and sorting from the most to the least specific. */
export function normalizeIdentities(raw: readonly { type: IdentityType; value: string }[], defaultCountry: string): Identity[] {
  const seen = new Map<string, Identity>();
  for (const r of raw) {
    const identity = normalizeIdentity(r.type, r.value, defaultCountry);
    seen.set(identityKey(identity), identity);
  }
  return [...seen.values()].sort((a, b) => identityPriority(a.type) - identityPriority(b.type) || a.value.localeCompare(b.value));
}
