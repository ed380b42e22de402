import type { Random } from './random.ts';

/** Milliseconds in a day. */
export const day = 86_400_000;
// The shop's clock: China Standard Time has no daylight saving, so a fixed offset is exact.
const shanghaiOffset = 8 * 3_600_000;

/** The Shanghai calendar day number (days since 1970-01-01 local) of an instant. */
export function dayNumber(ms: number): number {
  return Math.floor((ms + shanghaiOffset) / day);
}

/** The instant a Shanghai calendar day starts. */
export function dayStart(dayNo: number): number {
  return dayNo * day - shanghaiOffset;
}

/** The Shanghai calendar date of an instant as [year, month 1–12, day of month]. */
export function localDate(ms: number): [number, number, number] {
  const d = new Date(ms + shanghaiOffset);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

/** The day number of a Shanghai calendar date. */
function dateDay(year: number, month: number, dayOfMonth: number): number {
  return Math.floor(Date.UTC(year, month - 1, dayOfMonth) / day);
}

// Lunar festivals by Gregorian date; years outside the table use an average date, which is close enough
// for demo seasonality.
const lunarNewYear: Readonly<Record<number, [number, number]>> = {
  2020: [1, 25], 2021: [2, 12], 2022: [2, 1], 2023: [1, 22], 2024: [2, 10], 2025: [1, 29], 2026: [2, 17], 2027: [2, 6],
  2028: [1, 26], 2029: [2, 13], 2030: [2, 3], 2031: [1, 23], 2032: [2, 11], 2033: [1, 31], 2034: [2, 19], 2035: [2, 8],
};
const midAutumn: Readonly<Record<number, [number, number]>> = {
  2020: [10, 1], 2021: [9, 21], 2022: [9, 10], 2023: [9, 29], 2024: [9, 17], 2025: [10, 6], 2026: [9, 25], 2027: [9, 15],
  2028: [10, 3], 2029: [9, 22], 2030: [9, 12], 2031: [10, 1], 2032: [9, 19], 2033: [9, 8], 2034: [9, 27], 2035: [9, 16],
};
const dragonBoat: Readonly<Record<number, [number, number]>> = {
  2020: [6, 25], 2021: [6, 14], 2022: [6, 3], 2023: [6, 22], 2024: [6, 10], 2025: [5, 31], 2026: [6, 19], 2027: [6, 9],
  2028: [5, 28], 2029: [6, 16], 2030: [6, 5], 2031: [6, 24], 2032: [6, 12], 2033: [6, 1], 2034: [6, 20], 2035: [6, 10],
};

function festivalDay(table: Readonly<Record<number, [number, number]>>, year: number, fallback: [number, number]): number {
  const [m, d] = table[year] ?? fallback;
  return dateDay(year, m, d);
}

/** Which gift season a day falls in, if any: the weeks before a festival when gift boxes sell. */
export type GiftSeason = 'new_year' | 'mid_autumn' | 'dragon_boat';

/** The shopping calendar of one day: demand multiplier, promotion discount and gift season. */
export interface DayProfile {
  /** Demand relative to an ordinary day (before normalization). */
  readonly demand: number;
  /** Price discount of the platform promotion running that day (0.15 = 15 % off). */
  readonly discount: number;
  readonly giftSeason: GiftSeason | null;
  /** The name of the promotion, for event properties. */
  readonly campaign: string | null;
}

/**
 * The demand of a day in the Chinese retail calendar: Double Eleven (11.11, with its pre-sale from
 * late October), 6.18, Double Twelve, the gift seasons before Lunar New Year, Mid-Autumn and the
 * Dragon Boat festival, and the Spring Festival holiday when stores close and couriers stop.
 */
export function dayProfile(dayNo: number): DayProfile {
  const [year, month, dom] = localDate(dayStart(dayNo) + 12 * 3_600_000);
  let demand = 1;
  let discount = 0;
  let giftSeason: GiftSeason | null = null;
  let campaign: string | null = null;
  if (month === 11 && dom === 11) [demand, discount, campaign] = [7, 0.2, '双11'];
  else if ((month === 10 && dom >= 24) || (month === 11 && dom <= 10)) [demand, discount, campaign] = [1.8, 0.15, '双11'];
  else if (month === 11 && dom <= 13) demand = 1.4;
  else if (month === 6 && dom === 18) [demand, discount, campaign] = [4, 0.15, '618'];
  else if (month === 6 && dom < 18) [demand, discount, campaign] = [1.5, 0.1, '618'];
  else if (month === 12 && dom === 12) [demand, discount, campaign] = [2.5, 0.1, '双12'];
  else if (month === 5 && dom === 20) demand = 1.5;

  // The festival of this year or the next decides the gift season (Lunar New Year can fall in January).
  for (const y of [year, year + 1]) {
    const toNewYear = festivalDay(lunarNewYear, y, [2, 5]) - dayNo;
    if (toNewYear >= 3 && toNewYear <= 28) {
      demand *= 1.8;
      giftSeason = 'new_year';
      campaign ??= '年货节';
    } else if (toNewYear >= -6 && toNewYear <= 2) {
      demand *= 0.45;
    }
  }
  const toMidAutumn = festivalDay(midAutumn, year, [9, 25]) - dayNo;
  if (toMidAutumn >= 1 && toMidAutumn <= 21) {
    demand *= 1.5;
    giftSeason = 'mid_autumn';
  }
  const toDragonBoat = festivalDay(dragonBoat, year, [6, 10]) - dayNo;
  if (toDragonBoat >= 1 && toDragonBoat <= 12) {
    demand *= 1.15;
    giftSeason ??= 'dragon_boat';
  }
  return { demand, discount, giftSeason, campaign };
}

/** Day profiles for a range of days, with demand normalized to average 1 over the range. */
export interface ShoppingCalendar {
  readonly firstDay: number;
  readonly lastDay: number;
  /** The highest normalized demand of any day: the envelope for thinning. */
  readonly maxDemand: number;
  /** The profile of a day inside the range (days outside it get the nearest end's). */
  at(dayNo: number): DayProfile;
}

/** Computes the calendar of the days firstDay..lastDay. */
export function createShoppingCalendar(firstDay: number, lastDay: number): ShoppingCalendar {
  const raw: DayProfile[] = [];
  for (let d = firstDay; d <= lastDay; d++) raw.push(dayProfile(d));
  const mean = raw.reduce((a, p) => a + p.demand, 0) / raw.length;
  const days = raw.map((p) => ({ ...p, demand: p.demand / mean }));
  return {
    firstDay,
    lastDay,
    maxDemand: Math.max(...days.map((p) => p.demand)),
    at: (dayNo) => days[Math.min(Math.max(dayNo - firstDay, 0), days.length - 1)]!,
  };
}

// Relative orders per hour of the day (Shanghai time): online peaks after dinner, stores in the afternoon.
const onlineHours = [3, 1.5, 0.7, 0.4, 0.3, 0.4, 1, 2, 3, 4, 5, 5, 6, 5, 4.5, 4.5, 4.5, 4.5, 4, 5, 7, 8, 7, 5];
const storeHours = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 5, 5, 5, 4, 4, 5, 5, 3, 0, 0];
const hours = [...onlineHours.keys()];

/** An instant within a Shanghai day, at an hour typical of the channel; 11.11 online starts at midnight. */
export function timeInDay(random: Random, dayNo: number, inStore: boolean): number {
  const weights = inStore ? storeHours : onlineHours;
  const [, month, dom] = localDate(dayStart(dayNo) + 12 * 3_600_000);
  const hour = !inStore && month === 11 && dom === 11 && random.chance(0.3) ? 0 : random.weighted(hours, (h) => weights[h]!);
  return dayStart(dayNo) + hour * 3_600_000 + random.int(0, 3_599) * 1000;
}
