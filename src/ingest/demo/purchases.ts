import { day, dayNumber, dayStart, type ShoppingCalendar } from './calendar.ts';
import type { CustomerTraits } from './customers.ts';
import type { Random } from './random.ts';

/** The purchase moments of one customer and how their relationship went. */
export interface PurchaseHistory {
  /** Purchase instants, ascending, all before asOf. */
  readonly purchases: readonly number[];
  /** When the customer silently became inactive (after their last purchase), or null if still active at asOf. */
  readonly droppedAt: number | null;
  /** How many purchases came after a dormant spell that a promotion ended. */
  readonly wonBack: number;
}

// A dormant customer comes back with this chance, typically for a big promotion.
const winBackChance = 0.15;

/**
 * Simulates one customer's purchases as a BG/NBD process (Fader, Hardie & Lee 2005): while active,
 * purchases arrive as a Poisson process of rate λ, here modulated by the shopping calendar by thinning
 * (Lewis & Shedler 1979), and after each purchase the customer drops out with probability p. A dropped
 * customer is sometimes won back months later, mostly by Double Eleven or 6.18 — the reactivations
 * that win-back campaigns are measured on.
 */
export function simulatePurchases(random: Random, traits: CustomerTraits, calendar: ShoppingCalendar, asOf: number): PurchaseHistory {
  if (!traits.buyer) return { purchases: [], droppedAt: null, wonBack: 0 };
  // Marketplace and store members sign up with their first purchase; app and mini-program users browse first.
  const browsesFirst = traits.channel === 'app' || traits.channel === 'miniprogram';
  let t = traits.signedUpAt + (browsesFirst ? (random.chance(0.45) ? random.int(5, 120) * 60_000 : random.exponential(1 / 12) * day) : random.int(1, 20) * 60_000);
  if (t >= asOf) return { purchases: [], droppedAt: null, wonBack: 0 };

  const purchases = [t];
  let wonBack = 0;
  const envelope = (traits.rate * calendar.maxDemand) / 365; // candidate purchases per day
  for (;;) {
    if (random.chance(traits.dropout)) {
      const droppedAt = t + random.exponential(1 / 20) * day;
      if (!random.chance(winBackChance)) return { purchases, droppedAt: Math.min(droppedAt, asOf), wonBack };
      let back = droppedAt + (150 + random.exponential(1 / 120)) * day;
      back = random.chance(0.6) ? nextPromotion(back, calendar, random) : back;
      if (back >= asOf) return { purchases, droppedAt: Math.min(droppedAt, asOf), wonBack };
      t = back;
      purchases.push(t);
      wonBack++;
      continue;
    }
    for (;;) {
      t += random.exponential(envelope) * day;
      if (t >= asOf) return { purchases, droppedAt: null, wonBack };
      if (random.next() * calendar.maxDemand < calendar.at(dayNumber(t)).demand) break;
    }
    purchases.push(t);
  }
}

// The first Double Eleven or 6.18 day within 60 days after t, at a random moment of that day; else t.
function nextPromotion(t: number, calendar: ShoppingCalendar, random: Random): number {
  const from = dayNumber(t);
  for (let d = from; d < from + 60; d++) {
    if (calendar.at(d).campaign === '双11' || calendar.at(d).campaign === '618') return dayStart(d) + random.int(0, 86_399) * 1000;
  }
  return t;
}
