import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { CouponTemplatesTable, Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';
import { postDebit, requestHash, type LedgerContext } from './ledger.ts';
import { requireActiveProgram } from './program.ts';
import { couponRedemptionSchema, couponTemplateSchema, type CouponRedemptionInput, type CouponTemplateInput } from './schema.ts';

type Trx = Transaction<Database>;

/** A source of uniform numbers in [0, 1), injected so that codes are reproducible in tests. */
export type RandomSource = () => number;

// No 0/O, 1/I/L: codes are read aloud and typed from receipts.
const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A 10-character coupon code (31^10 ≈ 8×10^14 codes). */
export function couponCode(random: RandomSource): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += alphabet[Math.floor(random() * alphabet.length)];
  return code;
}

export interface CouponTemplate {
  readonly id: number;
  readonly name: string;
  readonly discountKind: 'amount_off' | 'percent_off';
  readonly amountOffMinor: number | null;
  readonly percentOff: number | null;
  readonly maxDiscountMinor: number | null;
  readonly minSpendMinor: number;
  readonly categories: string[] | null;
  readonly validFrom: Date | null;
  readonly validUntil: Date | null;
  readonly validDays: number | null;
  readonly perCustomerLimit: number | null;
  readonly pointsCost: number | null;
  readonly tiers: string[] | null;
}

function toTemplate(r: Selectable<CouponTemplatesTable>): CouponTemplate {
  return {
    id: r.id,
    name: r.name,
    discountKind: r.discount_kind,
    amountOffMinor: r.amount_off_minor,
    percentOff: r.percent_off,
    maxDiscountMinor: r.max_discount_minor,
    minSpendMinor: r.min_spend_minor,
    categories: r.categories,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    validDays: r.valid_days,
    perCustomerLimit: r.per_customer_limit,
    pointsCost: r.points_cost,
    tiers: r.tiers,
  };
}

/** Creates a coupon template. */
export async function createCouponTemplate(db: Kysely<Database>, workspaceId: number, input: CouponTemplateInput): Promise<CouponTemplate> {
  const parsed = couponTemplateSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(`coupon template ${issue.path.join('.') || 'value'}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))) });
  }
  const t = parsed.data;
  const row = await db
    .insertInto('coupon_templates')
    .values({
      workspace_id: workspaceId,
      name: t.name,
      discount_kind: t.discountKind,
      amount_off_minor: t.amountOffMinor ?? null,
      percent_off: t.percentOff ?? null,
      max_discount_minor: t.maxDiscountMinor ?? null,
      min_spend_minor: t.minSpendMinor,
      categories: t.categories ?? null,
      valid_from: t.validFrom ?? null,
      valid_until: t.validUntil ?? null,
      valid_days: t.validDays ?? null,
      per_customer_limit: t.perCustomerLimit ?? null,
      points_cost: t.pointsCost ?? null,
      tiers: t.tiers ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTemplate(row);
}

/** The workspace's coupon templates, newest first. */
export async function listCouponTemplates(db: Kysely<Database>, workspaceId: number): Promise<CouponTemplate[]> {
  const rows = await db.selectFrom('coupon_templates').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
  return rows.map(toTemplate);
}

async function lockTemplate(trx: Trx, workspaceId: number, templateId: number): Promise<CouponTemplate> {
  const row = await trx.selectFrom('coupon_templates').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', templateId).forUpdate().executeTakeFirst();
  if (!row) throw new PatronError('not_found', `coupon template ${templateId} does not exist`, { path: ['templateId'], value: templateId });
  return toTemplate(row);
}

/** What an issuance did: the coupons issued and, per customer left out, why. */
export interface IssueResult {
  readonly issued: { customerId: number; couponId: number; code: string; expiresAt: Date | null }[];
  readonly skipped: { customerId: number; reason: 'unknown_customer' | 'limit_reached' | 'tier' | 'already_issued' }[];
}

export interface IssueOptions {
  /** Where the coupons come from: "api", "journey:<id>", "segment:<id>", "points". */
  readonly source: string;
  /** Makes issuance idempotent: one coupon per customer per key (journey step, bulk run). */
  readonly issueKey?: string | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** issueCoupons in the caller's transaction. */
export async function issueCouponsInTransaction(trx: Trx, workspaceId: number, templateId: number, customerIds: readonly number[], options: IssueOptions): Promise<IssueResult> {
  const ws = workspaceId;
  // The template row serializes issuance of one template, so the per-customer limit holds under concurrency.
  const template = await lockTemplate(trx, ws, templateId);
  const now = options.clock.now();
  if (template.validUntil && template.validUntil <= now) throw invalidInput(`coupon template ${templateId} ended at ${template.validUntil.toISOString()}; no more coupons can be issued`, { path: ['templateId'] });
  const ids = [...new Set(customerIds)].sort((a, b) => a - b);
  const { rows: known } = await sql<{ id: number; tier: string | null; issued: number; by_key: boolean }>`
    SELECT c.id, a.tier,
           (SELECT count(*)::int FROM coupons k WHERE k.workspace_id = c.workspace_id AND k.template_id = ${templateId} AND k.customer_id = c.id) AS issued,
           EXISTS (SELECT 1 FROM coupons k WHERE k.workspace_id = c.workspace_id AND k.issue_key = ${options.issueKey ?? null} || ':' || c.id) AS by_key
    FROM customers c
    LEFT JOIN loyalty_programs p ON p.workspace_id = c.workspace_id AND p.active
    LEFT JOIN loyalty_accounts a ON a.workspace_id = c.workspace_id AND a.customer_id = c.id AND a.program_id = p.id
    WHERE c.workspace_id = ${ws} AND c.id = ANY(${ids}::bigint[]) AND c.merged_into IS NULL`.execute(trx);
  const byId = new Map(known.map((k) => [k.id, k]));
  const skipped: IssueResult['skipped'] = [];
  const eligible: number[] = [];
  for (const id of ids) {
    const k = byId.get(id);
    if (!k) skipped.push({ customerId: id, reason: 'unknown_customer' });
    else if (k.by_key) skipped.push({ customerId: id, reason: 'already_issued' });
    else if (template.tiers && (k.tier === null || !template.tiers.includes(k.tier))) skipped.push({ customerId: id, reason: 'tier' });
    else if (template.perCustomerLimit !== null && k.issued >= template.perCustomerLimit) skipped.push({ customerId: id, reason: 'limit_reached' });
    else eligible.push(id);
  }
  const validFrom = template.validFrom && template.validFrom > now ? template.validFrom : now;
  const afterDays = template.validDays === null ? null : new Date(now.getTime() + template.validDays * 86_400_000);
  const expiresAt = [afterDays, template.validUntil].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const issued: IssueResult['issued'] = [];
  let pending = eligible;
  // A code that collides with an existing one (rare) is drawn again.
  for (let round = 0; pending.length > 0; round++) {
    if (round === 5) throw new PatronError('unavailable', 'could not draw unique coupon codes; try again');
    const codes = pending.map(() => couponCode(options.random));
    const { rows } = await sql<{ id: number; customer_id: number; code: string }>`
      INSERT INTO coupons (workspace_id, customer_id, template_id, code, issue_key, source, issued_at, valid_from, expires_at)
      SELECT ${ws}, c, ${templateId}, code, CASE WHEN ${options.issueKey ?? null}::text IS NULL THEN NULL ELSE ${options.issueKey ?? null} || ':' || c END,
             ${options.source}, ${now}, ${validFrom}, ${expiresAt}
      FROM unnest(${pending}::bigint[], ${codes}::text[]) AS u(c, code)
      ON CONFLICT DO NOTHING
      RETURNING id, customer_id, code`.execute(trx);
    for (const r of rows) issued.push({ customerId: r.customer_id, couponId: r.id, code: r.code, expiresAt });
    const done = new Set(rows.map((r) => r.customer_id));
    pending = pending.filter((id) => !done.has(id));
  }
  return { issued, skipped };
}

/**
 * Issues a coupon of the template to each customer (one by one, a segment's members, or a journey step),
 * each with a unique code; customers over the per-customer limit, outside the template's tiers, unknown,
 * or already issued under the same issue key are reported as skipped.
 */
export async function issueCoupons(db: Kysely<Database>, workspaceId: number, templateId: number, customerIds: readonly number[], options: IssueOptions): Promise<IssueResult> {
  return db.transaction().execute((trx) => issueCouponsInTransaction(trx, workspaceId, templateId, customerIds, options));
}

/** Redeems points for a coupon of a template with a points cost: the debit and the coupon in one transaction, once per key. */
export async function redeemPointsForCoupon(
  db: Kysely<Database>,
  workspace: Workspace,
  input: { customerId: number; templateId: number; idempotencyKey: string },
  clock: Clock,
  random: RandomSource,
): Promise<{ code: string; couponId: number; points: number; balance: number }> {
  const program = await requireActiveProgram(db, workspace.id);
  const ctx: LedgerContext = { workspaceId: workspace.id, timezone: workspace.timezone, program, now: clock.now() };
  return db.transaction().execute(async (trx) => {
    const template = await lockTemplate(trx, workspace.id, input.templateId);
    if (template.pointsCost === null) throw invalidInput(`coupon template ${input.templateId} cannot be bought with points (it has no points cost)`, { path: ['templateId'] });
    const debit = await postDebit(trx, ctx, {
      customerId: input.customerId,
      idempotencyKey: input.idempotencyKey,
      requestHash: requestHash({ customerId: input.customerId, templateId: input.templateId, type: 'coupon' }),
      kind: 'redeem',
      points: template.pointsCost,
      reason: `coupon: ${template.name}`,
      actor: 'api',
      details: { couponTemplateId: template.id },
      occurredAt: ctx.now,
    });
    const issueKey = `points:${input.idempotencyKey}`;
    if (!debit.replayed) {
      const issued = await issueCouponsInTransaction(trx, workspace.id, input.templateId, [input.customerId], { source: 'points', issueKey, clock, random });
      if (issued.issued.length === 0) throw new PatronError('conflict', `the coupon could not be issued to customer ${input.customerId}: ${issued.skipped[0]?.reason ?? 'unknown'}`, { path: ['customerId'] });
    }
    const coupon = await trx.selectFrom('coupons').select(['id', 'code']).where('workspace_id', '=', workspace.id).where('issue_key', '=', `${issueKey}:${input.customerId}`).executeTakeFirstOrThrow();
    return { code: coupon.code, couponId: coupon.id, points: template.pointsCost, balance: debit.balance };
  });
}

/** A coupon redeemed on an order. */
export interface CouponRedemption {
  readonly code: string;
  readonly couponId: number;
  readonly orderExternalId: string;
  readonly discountMinor: number;
  readonly orderTotalMinor: number;
}

/**
 * Redeems a coupon on an order: the coupon must belong to the customer, have started, not be expired or
 * used on another order, and the order must meet the minimum spend on the lines in the coupon's scope.
 * The order's lines come from the request, else from the order as Patron recorded it. Redeeming again on
 * the same order returns the first redemption.
 */
export async function redeemCoupon(db: Kysely<Database>, workspace: Workspace, input: CouponRedemptionInput, clock: Clock): Promise<CouponRedemption> {
  const parsed = couponRedemptionSchema.parse(input);
  const ws = workspace.id;
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const coupon = await trx.selectFrom('coupons').selectAll().where('workspace_id', '=', ws).where('code', '=', parsed.code.toUpperCase()).forUpdate().executeTakeFirst();
    const fail = (message: string) => new PatronError('conflict', message, { path: ['code'], value: parsed.code });
    if (!coupon || coupon.customer_id !== parsed.customerId) throw new PatronError('not_found', `coupon ${parsed.code} does not exist for customer ${parsed.customerId}`, { path: ['code'], value: parsed.code });
    if (coupon.redeemed_at) {
      if (coupon.order_external_id === parsed.order.externalId) {
        return { code: coupon.code, couponId: coupon.id, orderExternalId: parsed.order.externalId, discountMinor: coupon.discount_minor!, orderTotalMinor: coupon.order_total_minor! };
      }
      throw fail(`coupon ${coupon.code} was already used on order ${coupon.order_external_id}`);
    }
    if (coupon.valid_from > now) throw fail(`coupon ${coupon.code} is valid from ${coupon.valid_from.toISOString()}`);
    if (coupon.expires_at && coupon.expires_at <= now) throw fail(`coupon ${coupon.code} expired at ${coupon.expires_at.toISOString()}`);
    const template = toTemplate(await trx.selectFrom('coupon_templates').selectAll().where('workspace_id', '=', ws).where('id', '=', coupon.template_id).executeTakeFirstOrThrow());

    let lines = parsed.order.lines;
    let total = parsed.order.totalMinor;
    if (lines === undefined) {
      const order = await trx.selectFrom('orders').select(['id', 'total_minor']).where('workspace_id', '=', ws).where('external_id', '=', parsed.order.externalId).executeTakeFirst();
      if (order) {
        const items = await trx.selectFrom('order_items').select(['category', 'amount_minor']).where('workspace_id', '=', ws).where('order_id', '=', order.id).execute();
        lines = items.map((i) => ({ category: i.category ?? undefined, amountMinor: i.amount_minor }));
        total ??= order.total_minor;
      }
    }
    if (lines === undefined && total === undefined) throw invalidInput(`order ${parsed.order.externalId} is not known: give its totalMinor or lines`, { path: ['order'] });
    total ??= lines!.reduce((a, l) => a + l.amountMinor, 0);
    const scoped = template.categories ? (lines ?? []).filter((l) => l.category !== undefined && template.categories!.includes(l.category)).reduce((a, l) => a + l.amountMinor, 0) : total;
    if (template.categories && scoped === 0) throw fail(`coupon ${coupon.code} applies only to ${template.categories.join(', ')}, and the order has none of those`);
    if (scoped < template.minSpendMinor) throw fail(`coupon ${coupon.code} needs a spend of ${template.minSpendMinor}${template.categories ? ' in its categories' : ''}; the order has ${scoped}`);
    const raw = template.discountKind === 'amount_off' ? template.amountOffMinor! : Math.floor((scoped * template.percentOff!) / 100);
    const discount = Math.min(raw, scoped, template.maxDiscountMinor ?? Number.MAX_SAFE_INTEGER);
    await trx
      .updateTable('coupons')
      .set({ redeemed_at: now, order_external_id: parsed.order.externalId, order_total_minor: total, discount_minor: discount })
      .where('workspace_id', '=', ws)
      .where('customer_id', '=', coupon.customer_id)
      .where('id', '=', coupon.id)
      .execute();
    return { code: coupon.code, couponId: coupon.id, orderExternalId: parsed.order.externalId, discountMinor: discount, orderTotalMinor: total };
  });
}

/**
 * Releases the coupons redeemed on orders that are now cancelled or refunded in full, in the caller's
 * transaction: the coupon is no longer bound to the order (it reads as active again, or expired once past its
 * date) and remembers when and from which order it was released. The orders are those written or refunded
 * now (by order number and refund id); a second call finds nothing bound to them, so replays release nothing.
 * Returns the coupons released.
 */
export async function releaseCouponsOfVoidOrders(trx: Trx, workspaceId: number, activity: { orderNumbers: readonly string[]; refundIds: readonly string[] }, now: Date): Promise<number> {
  if (activity.orderNumbers.length === 0 && activity.refundIds.length === 0) return 0;
  const ws = workspaceId;
  // The coupons used on these orders are found first (materialized: few or none), and only their orders are
  // read, so a batch of orders in a workspace with few coupons costs one hashed scan, not a probe per order.
  const { rows } = await sql<{ id: number }>`
    WITH used AS MATERIALIZED (
      SELECT customer_id, id, order_external_id FROM coupons
      WHERE workspace_id = ${ws} AND redeemed_at IS NOT NULL
        AND (order_external_id = ANY(${[...activity.orderNumbers]}::text[]) OR order_external_id IN (
          SELECT o.external_id FROM order_refunds f JOIN orders o ON o.workspace_id = f.workspace_id AND o.id = f.order_id
          WHERE f.workspace_id = ${ws} AND f.external_id = ANY(${[...activity.refundIds]}::text[])))
    )
    UPDATE coupons c
    SET redeemed_at = NULL, order_external_id = NULL, order_total_minor = NULL, discount_minor = NULL, released_at = ${now}, released_order_external_id = c.order_external_id
    FROM used u JOIN orders o ON o.workspace_id = ${ws} AND o.external_id = u.order_external_id
    WHERE c.workspace_id = ${ws} AND c.customer_id = u.customer_id AND c.id = u.id
      AND (o.status IN ('cancelled', 'refunded') OR (o.total_minor > 0 AND o.refunded_minor >= o.total_minor))
    RETURNING c.id`.execute(trx);
  return rows.length;
}

/** A customer's coupons, newest first, with their state. */
export async function listCustomerCoupons(db: Kysely<Database>, workspaceId: number, customerId: number, clock: Clock) {
  const now = clock.now();
  const rows = await db.selectFrom('coupons').selectAll().where('workspace_id', '=', workspaceId).where('customer_id', '=', customerId).orderBy('id', 'desc').limit(500).execute();
  return rows.map((c) => ({
    id: c.id,
    templateId: c.template_id,
    code: c.code,
    source: c.source,
    issuedAt: c.issued_at,
    validFrom: c.valid_from,
    expiresAt: c.expires_at,
    state: c.redeemed_at ? ('redeemed' as const) : c.expires_at && c.expires_at <= now ? ('expired' as const) : ('active' as const),
    redeemedAt: c.redeemed_at,
    orderExternalId: c.order_external_id,
    discountMinor: c.discount_minor,
    releasedAt: c.released_at,
    releasedFromOrder: c.released_order_external_id,
  }));
}

/** Per template: coupons issued, redeemed, expired unused, and the revenue and discount of the redeeming orders. */
export async function couponReport(db: Kysely<Database>, workspaceId: number, clock: Clock) {
  const { rows } = await sql<{ template_id: number; name: string; issued: number; redeemed: number; expired: number; revenue_minor: number; discount_minor: number }>`
    SELECT t.id AS template_id, t.name, count(c.id)::int AS issued, count(c.redeemed_at)::int AS redeemed,
           count(*) FILTER (WHERE c.redeemed_at IS NULL AND c.expires_at <= ${clock.now()})::int AS expired,
           coalesce(sum(c.order_total_minor), 0)::bigint AS revenue_minor, coalesce(sum(c.discount_minor), 0)::bigint AS discount_minor
    FROM coupon_templates t LEFT JOIN coupons c ON c.workspace_id = t.workspace_id AND c.template_id = t.id
    WHERE t.workspace_id = ${workspaceId}
    GROUP BY t.id, t.name ORDER BY t.id`.execute(db);
  return rows.map((r) => ({ templateId: r.template_id, name: r.name, issued: r.issued, redeemed: r.redeemed, expired: r.expired, revenueMinor: r.revenue_minor, discountMinor: r.discount_minor }));
}
