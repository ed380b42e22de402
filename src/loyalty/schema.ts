import { z } from 'zod';

// A multiplier is a decimal with at most two places (1.5, 2, 0.25): it reaches SQL as exact numeric text.
const multiplier = z
  .number()
  .min(0)
  .max(100)
  .refine((m) => Math.abs(Math.round(m * 100) - m * 100) < 1e-9, 'a multiplier has at most two decimal places');
const points = z.number().int().positive().max(1e12);
const code = z.string().trim().min(1).max(50).regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, - and _');

/** Bonus points for any tracked event whose properties equal the given values (signup, review, birthday, referral…). */
export const bonusRuleSchema = z.object({
  id: code.describe('Stable id of the rule; postings remember it'),
  event: z.string().trim().min(1).max(200).describe('Track event name, e.g. "Signed Up", "Review Posted", "Order Completed"'),
  where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).describe('Event properties that must equal these values'),
  points,
  maxPerCustomer: z.number().int().positive().optional().describe('e.g. 1 for signup or first order'),
});

export const tierSchema = z.object({
  code,
  name: z.string().trim().min(1).max(100),
  /** Qualifying spend (minor units) or points over the window at which a customer reaches this tier. */
  threshold: z.number().int().min(0),
  multiplier: multiplier.default(1),
  benefits: z
    .object({
      freeShipping: z.boolean().default(false),
      birthdayGift: z.string().max(200).nullable().default(null),
      exclusiveCouponTemplateIds: z.array(z.number().int().positive()).default([]),
      priorityService: z.boolean().default(false),
    })
    .prefault({}),
});

/** The rules of a program: how points are earned, when they expire, and the tiers. */
export const programRulesSchema = z.object({
  earn: z
    .object({
      /** Points for each `unitMinor` spent: 1 point per 100 fen is 1 point per yuan. */
      pointsPerUnit: z.number().int().min(0).max(1_000_000).default(1),
      unitMinor: z.number().int().positive().max(1_000_000_000).default(100),
      categoryMultipliers: z.record(z.string(), multiplier).default({}),
      channelMultipliers: z.record(z.string(), multiplier).default({}),
      maxPerOrder: points.optional(),
      maxPerDay: points.optional(),
      /** Orders placed before this time earn nothing (history imported when the program starts). */
      ordersSince: z.coerce.date().optional(),
    })
    .prefault({}),
  bonuses: z.array(bonusRuleSchema).max(100).default([]),
  expiry: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('rolling'), months: z.number().int().min(1).max(120) }),
      z.object({ kind: z.literal('end_of_year'), extraYears: z.number().int().min(0).max(10).default(0) }),
      z.object({ kind: z.literal('never') }),
    ])
    .default({ kind: 'never' }),
  tiers: z
    .object({
      metric: z.enum(['spend', 'points']).default('spend'),
      window: z.discriminatedUnion('kind', [z.object({ kind: z.literal('rolling'), months: z.number().int().min(1).max(60) }), z.object({ kind: z.literal('calendar_year') })]).default({ kind: 'calendar_year' }),
      /** Days after the end of a period before a customer who no longer qualifies is moved down. */
      graceDays: z.number().int().min(0).max(366).default(0),
      levels: z.array(tierSchema).max(20).default([]),
    })
    .prefault({})
    .refine((t) => t.levels.every((l, i) => i === 0 || l.threshold > t.levels[i - 1]!.threshold), { message: 'list tiers from lowest to highest threshold', path: ['levels'] })
    .refine((t) => new Set(t.levels.map((l) => l.code)).size === t.levels.length, { message: 'tier codes must be unique', path: ['levels'] }),
});
export type ProgramRules = z.output<typeof programRulesSchema>;
export type Tier = z.output<typeof tierSchema>;

export const saveProgramSchema = z.object({
  name: z.string().trim().min(1).max(200),
  active: z.boolean().default(true),
  rules: programRulesSchema.prefault({}),
});
export type SaveProgramInput = z.input<typeof saveProgramSchema>;

const idempotencyKey = z.string().trim().min(1).max(200).describe('Retrying with the same key applies the posting once; the same key with another payload is a conflict');

/** A posting asked for through the API: earn on a purchase amount, redeem for a reward, or a manual adjustment. */
export const postingRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('earn'),
    idempotencyKey,
    amountMinor: z.number().int().positive().max(1e13).describe('Spend in minor units; points follow the earn rules (floor)'),
    channel: z.string().trim().min(1).max(100).optional(),
    category: z.string().trim().min(1).max(200).optional(),
    reason: z.string().trim().min(1).max(500).default('purchase'),
  }),
  z.object({
    type: z.literal('redeem'),
    idempotencyKey,
    points,
    reward: z.string().trim().min(1).max(500).describe('What the points were redeemed for'),
  }),
  z.object({
    type: z.literal('adjust'),
    idempotencyKey,
    points: z.number().int().min(-1e12).max(1e12).refine((p) => p !== 0, 'an adjustment changes the balance'),
    reason: z.string().trim().min(1).max(500),
    actor: z.string().trim().min(1).max(200).describe('Who made the adjustment'),
  }),
]);
export type PostingRequest = z.output<typeof postingRequestSchema>;

export const couponTemplateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    discountKind: z.enum(['amount_off', 'percent_off']),
    amountOffMinor: z.number().int().positive().optional(),
    percentOff: z.number().int().min(1).max(100).optional(),
    maxDiscountMinor: z.number().int().positive().optional(),
    minSpendMinor: z.number().int().min(0).default(0),
    categories: z.array(z.string().trim().min(1).max(200)).min(1).optional().describe('Only lines in these categories count and are discounted'),
    validFrom: z.coerce.date().optional(),
    validUntil: z.coerce.date().optional(),
    validDays: z.number().int().positive().max(3650).optional().describe('Valid for this many days after issue'),
    perCustomerLimit: z.number().int().positive().optional(),
    pointsCost: points.optional().describe('Customers may redeem this many points for the coupon'),
    tiers: z.array(code).min(1).optional().describe('Exclusive to these tiers'),
  })
  .refine((t) => (t.discountKind === 'amount_off') === (t.amountOffMinor !== undefined), { message: 'amount_off coupons need amountOffMinor (and only they)', path: ['amountOffMinor'] })
  .refine((t) => (t.discountKind === 'percent_off') === (t.percentOff !== undefined), { message: 'percent_off coupons need percentOff (and only they)', path: ['percentOff'] })
  .refine((t) => !t.validFrom || !t.validUntil || t.validFrom < t.validUntil, { message: 'validUntil must be after validFrom', path: ['validUntil'] });
export type CouponTemplateInput = z.input<typeof couponTemplateSchema>;

/** The order a coupon is redeemed on: its lines when Patron does not know the order yet. */
export const couponRedemptionSchema = z.object({
  code: z.string().trim().min(1).max(64),
  customerId: z.number().int().positive(),
  order: z.object({
    externalId: z.string().trim().min(1).max(200),
    totalMinor: z.number().int().min(0).optional(),
    lines: z.array(z.object({ category: z.string().trim().min(1).max(200).optional(), amountMinor: z.number().int().min(0) })).max(10_000).optional(),
  }),
});
export type CouponRedemptionInput = z.input<typeof couponRedemptionSchema>;
