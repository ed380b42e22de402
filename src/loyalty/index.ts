/** Loyalty and membership: an exact points ledger (earn rules, bonuses, expiry, redemption), tiers with benefits, and coupons. */
export { postPointsForActivity, type LoyaltyActivity } from './activity.ts';
export { awardEventBonuses, matchingBonuses, type BonusEvent } from './bonuses.ts';
export {
  couponCode,
  couponReport,
  createCouponTemplate,
  issueCoupons,
  issueCouponsInTransaction,
  listCouponTemplates,
  listCustomerCoupons,
  redeemCoupon,
  redeemPointsForCoupon,
  type CouponRedemption,
  type CouponTemplate,
  type IssueOptions,
  type IssueResult,
  type RandomSource,
} from './coupons.ts';
export { expirePoints, runDailyLoyaltyJob, type DailyJobResult } from './daily-job.ts';
export { type Posting, type PostingResult } from './ledger.ts';
// Registers loyalty's merge hook with customers/, so a profile merge or unmerge moves points, tiers and coupons.
import './merge.ts';
export { earnPointsForOrderNumbers, earnPointsForOrders, orderEarnKey, reverseOrderPoints, reversePointsForRefunds, type OrderPointsResult } from './order-points.ts';
export { checkLedger, getAccount, listExpiringPoints, listPostings, pointsForSpend, postPoints, type Account, type LedgerViolation } from './postings.ts';
export { findActiveProgram, listPrograms, requireActiveProgram, saveProgram, type Program } from './program.ts';
export {
  couponRedemptionSchema,
  couponTemplateSchema,
  postingRequestSchema,
  programRulesSchema,
  saveProgramSchema,
  type CouponRedemptionInput,
  type CouponTemplateInput,
  type PostingRequest,
  type ProgramRules,
  type SaveProgramInput,
  type Tier,
} from './schema.ts';
export { qualifyingTier, tierChangedEvent, tierHistory, type TierChange } from './tiers.ts';
