import type { IdentityType } from '../../access/index.ts';
import { identityKey, normalizeIdentity, type Identity, type ProfilePatch } from '../../customers/index.ts';
import type { JsonObject } from '../../db/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { parseTimestamp } from './event-time.ts';
import type { TrackingMessage } from './schema.ts';

/** Something in an accepted call that Patron could not use, with where it was; the event itself was stored. */
export interface TrackingWarning {
  readonly path: string;
  readonly message: string;
}

/** Trait keys read as identifiers (Segment's reserved traits plus WeChat ids), in both spellings. */
export const identityTraitKeys: Readonly<Record<Exclude<IdentityType, 'external_id' | 'anonymous_id'>, readonly string[]>> = {
  email: ['email'],
  phone: ['phone'],
  wechat_unionid: ['wechatUnionId', 'wechat_unionid'],
  wechat_openid: ['wechatOpenId', 'wechat_openid'],
};

/** Keys of `context.wechat` read as identifiers (WeChat's own spelling `unionid`/`openid` too). */
const contextWechatKeys: Readonly<Record<'wechat_unionid' | 'wechat_openid', readonly string[]>> = {
  wechat_unionid: ['unionId', 'unionid'],
  wechat_openid: ['openId', 'openid'],
};

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The traits that describe the person of a call: identify's own traits, or `context.traits` on the other calls (group traits describe the group). */
export function personTraits(message: TrackingMessage): JsonObject | undefined {
  if (message.type === 'identify') return message.traits ?? undefined;
  const traits = message.context?.traits;
  return isObject(traits) ? traits : undefined;
}

/**
 * The identifiers a message carries, normalized: userId → external_id, anonymousId → anonymous_id,
 * email, phone and WeChat ids from the person's traits and `context.wechat`. A value that cannot be
 * an identifier is left out with a warning (the stored event keeps it as sent).
 */
export function messageIdentities(message: TrackingMessage, defaultCountry: string, at: string, warnings: TrackingWarning[]): Identity[] {
  const found: Identity[] = [];
  const add = (type: IdentityType, value: unknown, path: string) => {
    if (value === undefined || value === null || value === '') return;
    if (typeof value !== 'string' && typeof value !== 'number') {
      warnings.push({ path: `${at}${path}`, message: `expected a string; the event was stored without this ${type}` });
      return;
    }
    try {
      found.push(normalizeIdentity(type, String(value), defaultCountry));
    } catch (error) {
      if (!(error instanceof PatronError)) throw error;
      warnings.push({ path: `${at}${path}`, message: `${error.message}; the event was stored without this ${type}` });
    }
  };
  add('external_id', message.userId, 'userId');
  add('anonymous_id', message.anonymousId, 'anonymousId');
  if (message.type === 'alias') return found;

  const traits = personTraits(message);
  const traitsPath = message.type === 'identify' ? 'traits' : 'context.traits';
  if (traits) {
    for (const [type, keys] of Object.entries(identityTraitKeys) as [IdentityType, readonly string[]][]) {
      for (const key of keys) add(type, traits[key], `${traitsPath}.${key}`);
    }
  }
  const wechat = message.context?.wechat;
  if (isObject(wechat)) {
    for (const [type, keys] of Object.entries(contextWechatKeys) as [IdentityType, readonly string[]][]) {
      for (const key of keys) add(type, wechat[key], `context.wechat.${key}`);
    }
  }
  if (found.length < 2) return found;
  const seen = new Set<string>();
  return found.filter((i) => {
    const k = identityKey(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const genders: Readonly<Record<string, 'female' | 'male' | 'other'>> = {
  female: 'female', f: 'female', woman: 'female', 女: 'female', 女性: 'female',
  male: 'male', m: 'male', man: 'male', 男: 'male', 男性: 'male',
  other: 'other', 'non-binary': 'other', nonbinary: 'other', diverse: 'other', 其他: 'other',
};

// Traits that become columns or identities and so are not copied into attributes (when valid).
const identityKeys = new Set(['id', 'userId', 'anonymousId', ...Object.values(identityTraitKeys).flat()]);
const han = /\p{Script=Han}/u;

const text = (v: unknown, max: number): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length > 0 && t.length <= max ? t : undefined;
};

function isoDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(v.trim());
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Rejects 1990-02-31 and the like, which Date would roll over into March.
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

function validTimeZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/**
 * The profile fields an identify call sets from its traits (Segment's reserved traits): name (or
 * firstName + lastName, family name first for Chinese names), gender, birthday, address.city/state/country,
 * createdAt → signedUpAt, and `context.timezone`. Every other trait goes to attributes. A reserved trait
 * with a value Patron cannot read is kept as sent in attributes and reported, never dropped.
 */
export function profileFromTraits(traits: JsonObject, context: JsonObject | null | undefined, at: string, warnings: TrackingWarning[]): ProfilePatch | undefined {
  const patch: { -readonly [K in keyof ProfilePatch]: ProfilePatch[K] } = {};
  const attributes: JsonObject = {};
  const keep = (key: string, value: unknown, why?: string) => {
    attributes[key] = value;
    if (why) warnings.push({ path: `${at}traits.${key}`, message: `${why}; kept as sent in the profile's attributes` });
  };

  for (const [key, value] of Object.entries(traits)) {
    if (identityKeys.has(key) || value === undefined) continue;
    if (key.length > 200) {
      warnings.push({ path: `${at}traits`, message: `a trait name is longer than 200 characters; that trait was not stored on the profile` });
      continue;
    }
    switch (key) {
      case 'name': {
        const name = text(value, 200);
        if (name) patch.name = name;
        else if (value !== null) keep(key, value, 'name is not a text of 1 to 200 characters');
        break;
      }
      case 'gender': {
        const gender = typeof value === 'string' ? genders[value.trim().toLowerCase()] : undefined;
        if (gender) patch.gender = gender;
        else if (value !== null) keep(key, value, 'gender is not one of female, male or other (or f, m, 女, 男)');
        break;
      }
      case 'birthday': {
        const birthday = isoDate(value);
        if (birthday) patch.birthday = birthday;
        else if (value !== null) keep(key, value, 'birthday is not an ISO-8601 date (YYYY-MM-DD)');
        break;
      }
      case 'createdAt': {
        // Epoch numbers below 10^11 are seconds (as Intercom and others send them), above are milliseconds.
        const date = parseTimestamp(typeof value === 'number' && Math.abs(value) < 1e11 ? value * 1000 : value);
        if (date) patch.signedUpAt = date;
        else if (value !== null) keep(key, value, 'createdAt is not an ISO-8601 date-time');
        break;
      }
      default:
        attributes[key] = value;
    }
  }

  if (!patch.name) {
    const first = text(traits.firstName ?? traits.first_name, 100);
    const last = text(traits.lastName ?? traits.last_name, 100);
    if (first && last) patch.name = han.test(first) && han.test(last) ? `${last}${first}` : `${first} ${last}`;
    else if (first ?? last) patch.name = first ?? last;
  }
  const address = isObject(traits.address) ? traits.address : {};
  const city = text(address.city ?? traits.city, 100);
  const province = text(address.state ?? address.province ?? traits.state ?? traits.province, 100);
  const country = text(address.country ?? traits.country, 100);
  if (city) patch.city = city;
  if (province) patch.province = province;
  if (country) patch.country = country;
  const timezone = validTimeZone(context?.timezone);
  if (timezone) patch.timezone = timezone;

  if (Object.keys(attributes).length > 0) patch.attributes = attributes;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
