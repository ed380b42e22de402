import type { RawIdentity } from '../../customers/index.ts';
import { categories } from './catalogue.ts';
import { dayNumber, timeInDay, type ShoppingCalendar } from './calendar.ts';
import { drawName, type Gender, type PersonName } from './names.ts';
import { cities, drawEmailDomain, drawMobile, type City } from './places.ts';
import type { Random } from './random.ts';

/** Where orders are placed; also how a customer was first acquired. */
export type Channel = 'tmall' | 'jd' | 'miniprogram' | 'app' | 'store';
export const channels: readonly Channel[] = ['tmall', 'jd', 'miniprogram', 'app', 'store'];

/** Who a demo customer is and how they shop: the hidden parameters the purchase simulation draws from. */
export interface CustomerTraits {
  /** The draw number: the customer's random stream is derived from it. */
  readonly index: number;
  /** The member number, the external id every demo customer has; assigned in sign-up order. */
  readonly externalId: string;
  readonly name: PersonName;
  readonly gender: Gender | 'other' | null;
  /** ISO date, or null when the customer never gave it. */
  readonly birthday: string | null;
  readonly city: City;
  readonly signedUpAt: number;
  readonly channel: Channel;
  readonly identities: readonly RawIdentity[];
  readonly wechat: boolean;
  /** The app's device id, for customers who use the app. */
  readonly anonymousId: string | null;
  /** Purchases a year while active (BG/NBD's λ, drawn from a gamma distribution across customers). */
  readonly rate: number;
  /** Chance of becoming inactive after each purchase (BG/NBD's p, drawn from a beta distribution). */
  readonly dropout: number;
  /** Whether the customer buys at all; some only sign up. */
  readonly buyer: boolean;
  /** A company buying gifts for staff and clients: few, large, seasonal orders. */
  readonly enterprise: boolean;
  /** Relative liking of each category, by category name. */
  readonly affinity: ReadonlyMap<string, number>;
  readonly optIn: boolean;
}

// How customers arrive, in percent; marketplaces bring the most, the mini-program is close behind.
const channelShares: Readonly<Record<Channel, number>> = { tmall: 30, jd: 14, miniprogram: 26, app: 10, store: 20 };
const wechatShare: Readonly<Record<Channel, number>> = { tmall: 0.15, jd: 0.12, miniprogram: 0.97, app: 0.3, store: 0.45 };
const buyerShare: Readonly<Record<Channel, number>> = { tmall: 1, jd: 1, miniprogram: 0.78, app: 0.72, store: 1 };

/** The channels a customer in a city can use: stores only where there is one (or rarely, when visiting). */
export function channelWeight(city: City, channel: Channel): number {
  if (city.country !== 'CN') return { tmall: 20, jd: 0, miniprogram: 25, app: 40, store: city.stores.length > 0 ? 25 : 0 }[channel];
  if (channel === 'store') return city.stores.length > 0 ? channelShares.store : 1.5;
  return channelShares[channel];
}

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Identifier values must be unique across the data set; these sets enforce it while drawing. */
export interface UniqueValues {
  readonly emails: Set<string>;
  readonly phones: Set<string>;
}

/**
 * Draws customer number `index`: name, demographics, city, sign-up moment and channel, identities,
 * and the purchase parameters. Sign-ups grow over the window (the brand is growing) and follow the
 * shopping calendar, so Double Eleven brings a wave of new customers.
 */
export function drawCustomer(random: Random, index: number, calendar: ShoppingCalendar, asOf: number, unique: UniqueValues): Omit<CustomerTraits, 'externalId'> {
  const city = random.weighted(cities, (c) => c.weight);
  const abroad = city.country !== 'CN';
  const genderDraw = random.next();
  const gender: Gender | 'other' | null = genderDraw < 0.62 ? 'female' : genderDraw < 0.98 ? 'male' : genderDraw < 0.985 ? 'other' : null;
  const english = random.chance(abroad ? 0.85 : 0.12);
  const name = drawName(random, gender === 'male' ? 'male' : gender === 'female' ? 'female' : random.pick(['female', 'male'] as const), { english, abroad });
  const channel = random.weighted(channels, (c) => channelWeight(city, c));

  // Sign-up day by thinning: growth from 0.7× to 1.3× across the window, times the day's demand.
  const span = calendar.lastDay - calendar.firstDay;
  let signupDay: number;
  for (;;) {
    signupDay = calendar.firstDay + random.int(0, span);
    const growth = 0.7 + (0.6 * (signupDay - calendar.firstDay)) / span;
    if (random.next() * 1.3 * Math.sqrt(calendar.maxDemand) < growth * Math.sqrt(calendar.at(signupDay).demand)) break;
  }
  let signedUpAt = timeInDay(random, signupDay, channel === 'store');
  if (signedUpAt > asOf) signedUpAt = asOf - random.int(60, 3600) * 1000;

  const asOfYear = new Date(asOf).getUTCFullYear();
  const age = Math.round(Math.min(65, Math.max(18, random.normal(34, 9))));
  const birthday = random.chance(0.78)
    ? `${asOfYear - age - (random.chance(0.5) ? 1 : 0)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`
    : null;

  const identities: RawIdentity[] = [];
  const addPhone = () => {
    let phone = drawMobile(random, city.country);
    while (unique.phones.has(phone.replace(/\D/g, ''))) phone = drawMobile(random, city.country);
    unique.phones.add(phone.replace(/\D/g, ''));
    identities.push({ type: 'phone', value: phone });
  };
  if (random.chance(abroad ? 0.7 : 0.88)) addPhone();
  if (random.chance(abroad ? 0.95 : 0.38)) {
    const email = drawEmail(random, name, city.country, birthday, unique.emails, index);
    identities.push({ type: 'email', value: email });
  }
  const wechat = random.chance(abroad ? 0.3 : wechatShare[channel]);
  if (wechat) {
    identities.push({ type: 'wechat_unionid', value: `o${random.chars(idAlphabet, 27)}` });
    if (channel === 'miniprogram' || random.chance(0.8)) identities.push({ type: 'wechat_openid', value: `o${random.chars(idAlphabet, 27)}` });
  }
  const appUser = channel === 'app' || random.chance(0.12);
  const anonymousId = appUser ? `${random.chars('0123456789abcdef', 8)}-${random.chars('0123456789abcdef', 4)}-4${random.chars('0123456789abcdef', 3)}-${random.pick(['8', '9', 'a', 'b'])}${random.chars('0123456789abcdef', 3)}-${random.chars('0123456789abcdef', 12)}` : null;
  if (anonymousId) identities.push({ type: 'anonymous_id', value: anonymousId });
  // Every member can be reached somehow: joining the programme asks for a mobile number at the least.
  if (identities.length === 0) addPhone();

  const enterprise = random.chance(0.012);
  const affinity = new Map(categories.map((c) => [c.name, c.weight * random.gamma(0.8, 1.25)]));
  return {
    index,
    name,
    gender,
    birthday,
    city,
    signedUpAt,
    channel,
    identities,
    wechat,
    anonymousId,
    // Fader, Hardie & Lee 2005: λ ~ Gamma(r, α) and p ~ Beta(a, b) across customers.
    rate: random.gamma(1.2, 2.8) * (enterprise ? 1.5 : 1),
    dropout: random.beta(1.2, 2.6),
    buyer: enterprise || random.chance(buyerShare[channel]),
    enterprise,
    affinity,
    optIn: random.chance(0.7),
  };
}

/** Gives a drawn customer their member number (shops number members as they join) as the first identity. */
export function withMemberNumber(drawn: Omit<CustomerTraits, 'externalId'>, memberNo: number): CustomerTraits {
  const externalId = `M${String(memberNo).padStart(8, '0')}`;
  return { ...drawn, externalId, identities: [{ type: 'external_id', value: externalId }, ...drawn.identities] };
}

function drawEmail(random: Random, name: PersonName, country: string, birthday: string | null, taken: Set<string>, index: number): string {
  const domain = drawEmailDomain(random, country);
  const [given, family] = name.latin;
  const year = birthday ? birthday.slice(2, 4) : String(random.int(10, 99));
  const local =
    domain === 'qq.com' && random.chance(0.6)
      ? String(random.int(10_000_000, 3_999_999_999))
      : random.pick([`${given}.${family}`, `${given}${family}${year}`, `${family}${given}`, `${family}.${given}${random.int(1, 99)}`, `${given}_${family}`]);
  let email = `${local}@${domain}`;
  // A taken address gets the customer number appended, as sign-up forms make people do.
  if (taken.has(email)) email = `${local}${index}@${domain}`;
  taken.add(email);
  return email;
}

/** True when the customer signed up within the last `days` days before asOf. */
export function isNew(traits: CustomerTraits, asOf: number, days: number): boolean {
  return dayNumber(asOf) - dayNumber(traits.signedUpAt) < days;
}
