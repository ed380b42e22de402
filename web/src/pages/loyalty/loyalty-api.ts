import type { ApiClient } from '../../api/client.ts';
import { ApiError } from '../../api/api-error.ts';

// The loyalty API (src/server/routes/loyalty.ts) as the console uses it. Types are written out here rather
// than imported from src/loyalty: the console sees JSON, where dates are strings.

export interface TierBenefits {
  readonly freeShipping: boolean;
  readonly birthdayGift: string | null;
  readonly exclusiveCouponTemplateIds: readonly number[];
  readonly priorityService: boolean;
}

export interface Tier {
  readonly code: string;
  readonly name: string;
  readonly threshold: number;
  readonly multiplier: number;
  readonly benefits: TierBenefits;
}

export type Expiry = { readonly kind: 'rolling'; readonly months: number } | { readonly kind: 'end_of_year'; readonly extraYears: number } | { readonly kind: 'never' };

export interface ProgramRules {
  readonly earn: {
    readonly pointsPerUnit: number;
    readonly unitMinor: number;
    readonly categoryMultipliers: Readonly<Record<string, number>>;
    readonly channelMultipliers: Readonly<Record<string, number>>;
    readonly maxPerOrder?: number;
    readonly maxPerDay?: number;
    readonly ordersSince?: string;
  };
  readonly bonuses: readonly { readonly id: string; readonly event: string; readonly where: Readonly<Record<string, unknown>>; readonly points: number; readonly maxPerCustomer?: number }[];
  readonly expiry: Expiry;
  readonly tiers: {
    readonly metric: 'spend' | 'points';
    readonly window: { readonly kind: 'rolling'; readonly months: number } | { readonly kind: 'calendar_year' };
    readonly graceDays: number;
    readonly levels: readonly Tier[];
  };
}

export interface Program {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
  readonly rules: ProgramRules;
}

export interface Account {
  readonly customerId: number;
  readonly balance: number;
  readonly tier: Tier | null;
  readonly tierSince: string | null;
  readonly tierReviewAt: string | null;
  readonly expiring: readonly { readonly expiresAt: string; readonly points: number }[];
}

export type PostingKind = 'earn' | 'bonus' | 'redeem' | 'adjust' | 'reverse' | 'expire' | 'transfer';

export interface Posting {
  readonly id: number;
  readonly customerId: number;
  readonly kind: PostingKind;
  readonly points: number;
  readonly reason: string;
  readonly actor: string;
  readonly orderId: number | null;
  readonly occurredAt: string;
}

export interface CustomerCoupon {
  readonly id: number;
  readonly templateId: number;
  readonly code: string;
  readonly state: 'active' | 'redeemed' | 'expired';
  readonly issuedAt: string;
  readonly expiresAt: string | null;
  readonly orderExternalId: string | null;
  readonly discountMinor: number | null;
}

export interface CouponTemplate {
  readonly id: number;
  readonly name: string;
  readonly discountKind: 'amount_off' | 'percent_off';
  readonly amountOffMinor: number | null;
  readonly percentOff: number | null;
  readonly maxDiscountMinor: number | null;
  readonly minSpendMinor: number;
  readonly categories: readonly string[] | null;
  readonly validFrom: string | null;
  readonly validUntil: string | null;
  readonly validDays: number | null;
  readonly perCustomerLimit: number | null;
  readonly pointsCost: number | null;
  readonly tiers: readonly string[] | null;
}

export interface CouponTemplateReport {
  readonly templateId: number;
  readonly issued: number;
  readonly redeemed: number;
  readonly expired: number;
  readonly revenueMinor: number;
  readonly discountMinor: number;
}

/** A new template as the create form sends it. */
export interface CouponTemplateInput {
  readonly name: string;
  readonly discountKind: 'amount_off' | 'percent_off';
  readonly amountOffMinor?: number;
  readonly percentOff?: number;
  readonly minSpendMinor: number;
  readonly validDays?: number;
  readonly perCustomerLimit?: number;
}

export interface IssueResult {
  readonly issued: readonly { readonly customerId: number; readonly code: string }[];
  readonly skipped: readonly { readonly customerId: number; readonly reason: string }[];
}

/** The active program, or null when the workspace has none yet (the API answers 404). */
export async function fetchProgram(client: ApiClient): Promise<Program | null> {
  try {
    return await client.get<Program>('/loyalty/program');
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') return null;
    throw error;
  }
}

/** Creates the program or replaces the active one's rules (later postings follow them). */
export function saveProgram(client: ApiClient, program: { name: string; rules: ProgramRules | Partial<ProgramRules> }): Promise<Program> {
  return client.put<Program>('/loyalty/program', { ...program, active: true });
}

export function fetchAccount(client: ApiClient, customerId: number): Promise<Account> {
  return client.get<Account>(`/loyalty/accounts/${customerId}`);
}

export async function fetchPostings(client: ApiClient, customerId: number, limit: number): Promise<Posting[]> {
  return (await client.get<{ postings: Posting[] }>(`/loyalty/accounts/${customerId}/postings`, { limit })).postings;
}

export async function fetchCustomerCoupons(client: ApiClient, customerId: number): Promise<CustomerCoupon[]> {
  return (await client.get<{ coupons: CustomerCoupon[] }>(`/loyalty/accounts/${customerId}/coupons`)).coupons;
}

export async function fetchCouponTemplates(client: ApiClient): Promise<{ templates: CouponTemplate[]; report: Map<number, CouponTemplateReport> }> {
  const [list, report] = await Promise.all([client.get<{ templates: CouponTemplate[] }>('/loyalty/coupon-templates'), client.get<{ templates: CouponTemplateReport[] }>('/loyalty/coupon-report')]);
  return { templates: list.templates, report: new Map(report.templates.map((r) => [r.templateId, r])) };
}

export function createCouponTemplate(client: ApiClient, input: CouponTemplateInput): Promise<CouponTemplate> {
  return client.post<CouponTemplate>('/loyalty/coupon-templates', input);
}

/** Issues a coupon of the template to every current member of a segment; the key makes a retry issue nothing twice. */
export function issueToSegment(client: ApiClient, templateId: number, segmentId: number, issueKey: string): Promise<IssueResult> {
  return client.post<IssueResult>(`/loyalty/coupon-templates/${templateId}/issue`, { segmentId, issueKey, source: `segment:${segmentId}` });
}
