import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { invalidInput } from '../lib/errors.ts';
import { postCredit, postDebit, requestHash, toPosting, type LedgerContext, type Posting, type PostingResult } from './ledger.ts';
import { requireActiveProgram, type Program } from './program.ts';
import type { PostingRequest, ProgramRules, Tier } from './schema.ts';
import { evaluateTierUpgrades } from './tiers.ts';

const hundredths = (m: number) => BigInt(Math.round(m * 100));

/**
 * Points for a spend under the earn rules, exactly: floor(amount × category × channel × tier multipliers
 * × pointsPerUnit / unitMinor), capped per order. Multipliers have two decimals, so integer hundredths keep it exact.
 */
export function pointsForSpend(rules: ProgramRules, amountMinor: number, on: { category?: string | undefined; channel?: string | undefined; tier?: string | null | undefined }): number {
  const earn = rules.earn;
  const category = hundredths(on.category === undefined ? 1 : (earn.categoryMultipliers[on.category] ?? 1));
  const channel = hundredths(on.channel === undefined ? 1 : (earn.channelMultipliers[on.channel] ?? 1));
  const tier = hundredths(rules.tiers.levels.find((l) => l.code === on.tier)?.multiplier ?? 1);
  const points = Number((BigInt(amountMinor) * category * channel * tier * BigInt(earn.pointsPerUnit)) / (BigInt(earn.unitMinor) * 1_000_000n));
  return earn.maxPerOrder === undefined ? points : Math.min(points, earn.maxPerOrder);
}

async function context(db: Kysely<Database>, workspace: Workspace, clock: Clock): Promise<LedgerContext> {
  return { workspaceId: workspace.id, timezone: workspace.timezone, program: await requireActiveProgram(db, workspace.id), now: clock.now() };
}

/**
 * Makes one posting for a customer through the API, in a transaction of its own: earn on a spend, redeem
 * for a reward, or adjust by hand (with a reason and an actor). Retrying with the same idempotency key
 * returns the first result; the same key with a different request is a conflict.
 */
export async function postPoints(db: Kysely<Database>, workspace: Workspace, customerId: number, request: PostingRequest, clock: Clock): Promise<PostingResult> {
  const ctx = await context(db, workspace, clock);
  const hash = requestHash({ customerId, ...request });
  const base = { customerId, idempotencyKey: request.idempotencyKey, requestHash: hash, occurredAt: ctx.now };
  return db.transaction().execute(async (trx) => {
    switch (request.type) {
      case 'earn': {
        const points = (tier: string | null) => {
          const earned = pointsForSpend(ctx.program.rules, request.amountMinor, { category: request.category, channel: request.channel, tier });
          if (earned <= 0) throw invalidInput(`a spend of ${request.amountMinor} earns no points under the program's earn rules`, { path: ['amountMinor'], value: request.amountMinor });
          return earned;
        };
        const result = (await postCredit(trx, ctx, {
          ...base,
          kind: 'earn',
          points,
          rule: 'spend',
          reason: request.reason,
          actor: 'api',
          details: { amountMinor: request.amountMinor, ...(request.channel ? { channel: request.channel } : {}), ...(request.category ? { category: request.category } : {}) },
        }))!;
        if (!result.replayed && ctx.program.rules.tiers.metric === 'points') await evaluateTierUpgrades(trx, ctx, [customerId]);
        return result;
      }
      case 'redeem':
        return postDebit(trx, ctx, { ...base, kind: 'redeem', points: request.points, reason: `reward: ${request.reward}`, actor: 'api', details: { reward: request.reward } });
      case 'adjust':
        return request.points > 0
          ? (await postCredit(trx, ctx, { ...base, kind: 'adjust', points: request.points, reason: request.reason, actor: request.actor }))!
          : postDebit(trx, ctx, { ...base, kind: 'adjust', points: -request.points, reason: request.reason, actor: request.actor });
    }
  });
}

/** A customer's account: balance, tier with its benefits, and the points expiring next. */
export interface Account {
  readonly customerId: number;
  readonly programId: number;
  readonly balance: number;
  readonly tier: Tier | null;
  readonly tierSince: Date | null;
  /** When a downgrade may next happen (end of the tier period plus grace). */
  readonly tierReviewAt: Date | null;
  readonly expiring: readonly { expiresAt: Date; points: number }[];
}

function tierOf(program: Program, code: string | null): Tier | null {
  return program.rules.tiers.levels.find((l) => l.code === code) ?? null;
}

/** The customer's account in the active program (a zero account when they have no postings yet). */
export async function getAccount(db: Kysely<Database>, workspace: Workspace, customerId: number): Promise<Account> {
  const program = await requireActiveProgram(db, workspace.id);
  const account = await db
    .selectFrom('loyalty_accounts')
    .select(['balance', 'tier', 'tier_since', 'tier_review_at'])
    .where('workspace_id', '=', workspace.id)
    .where('customer_id', '=', customerId)
    .where('program_id', '=', program.id)
    .executeTakeFirst();
  const { rows: expiring } = await sql<{ expires_at: Date; points: number }>`
    SELECT expires_at, sum(remaining)::bigint AS points FROM loyalty_lots
    WHERE workspace_id = ${workspace.id} AND customer_id = ${customerId} AND program_id = ${program.id} AND remaining > 0 AND expires_at IS NOT NULL
    GROUP BY expires_at ORDER BY expires_at LIMIT 5`.execute(db);
  if (!account) {
    const exists = await db.selectFrom('customers').select('id').where('workspace_id', '=', workspace.id).where('id', '=', customerId).executeTakeFirst();
    if (!exists) throw invalidInput(`customer ${customerId} does not exist in this workspace`, { path: ['customerId'], value: customerId });
  }
  return {
    customerId,
    programId: program.id,
    balance: account?.balance ?? 0,
    tier: tierOf(program, account?.tier ?? null),
    tierSince: account?.tier_since ?? null,
    tierReviewAt: account?.tier_review_at ?? null,
    expiring: expiring.map((e) => ({ expiresAt: e.expires_at, points: e.points })),
  };
}

/**
 * A customer's postings, newest first, with a cursor (the last id seen). The history of profiles merged into
 * this one is part of it: their postings are listed too, each under the customerId it was posted to.
 */
export async function listPostings(db: Kysely<Database>, workspaceId: number, customerId: number, page: { limit: number; before?: number | undefined }): Promise<{ postings: Posting[]; nextCursor: number | null }> {
  const { rows } = await sql<Parameters<typeof toPosting>[0]>`
    WITH RECURSIVE m(id) AS (
      SELECT ${customerId}::bigint
      UNION ALL
      SELECT c.id FROM customers c JOIN m ON c.workspace_id = ${workspaceId} AND c.merged_into = m.id
    )
    SELECT id, customer_id, kind, points, idempotency_key, rule, order_id, reason, actor, details, occurred_at, created_at FROM loyalty_postings
    WHERE workspace_id = ${workspaceId} AND customer_id IN (SELECT id FROM m) AND id < ${page.before ?? Number.MAX_SAFE_INTEGER}
    ORDER BY id DESC LIMIT ${page.limit + 1}`.execute(db);
  const postings = rows.slice(0, page.limit).map(toPosting);
  return { postings, nextCursor: rows.length > page.limit ? postings[postings.length - 1]!.id : null };
}

/** Customers with points expiring within the next `days` days (for journeys), by customer id with a cursor. */
export async function listExpiringPoints(
  db: Kysely<Database>,
  workspace: Workspace,
  query: { days: number; limit: number; after?: number | undefined },
  clock: Clock,
): Promise<{ customers: { customerId: number; points: number; firstExpiresAt: Date }[]; nextCursor: number | null }> {
  const program = await requireActiveProgram(db, workspace.id);
  const now = clock.now();
  const until = new Date(now.getTime() + query.days * 86_400_000);
  const { rows } = await sql<{ customer_id: number; points: number; first: Date }>`
    SELECT customer_id, sum(remaining)::bigint AS points, min(expires_at) AS first FROM loyalty_lots
    WHERE workspace_id = ${workspace.id} AND program_id = ${program.id} AND remaining > 0 AND expires_at > ${now} AND expires_at <= ${until}
      AND customer_id > ${query.after ?? 0}
    GROUP BY customer_id ORDER BY customer_id LIMIT ${query.limit + 1}`.execute(db);
  const customers = rows.slice(0, query.limit).map((r) => ({ customerId: r.customer_id, points: r.points, firstExpiresAt: r.first }));
  return { customers, nextCursor: rows.length > query.limit ? customers[customers.length - 1]!.customerId : null };
}

/** A broken ledger invariant, named by the account or lot it concerns. */
export interface LedgerViolation {
  readonly customerId: number;
  readonly problem: string;
}

/**
 * Checks the ledger's invariants for the workspace: every balance equals the sum of its postings and the
 * remaining points of its lots; no lot has more used than it held. Empty when the ledger is consistent.
 */
export async function checkLedger(db: Kysely<Database>, workspaceId: number): Promise<LedgerViolation[]> {
  const { rows: balances } = await sql<{ customer_id: number; balance: number; postings: number; lots: number }>`
    SELECT a.customer_id, a.balance,
           coalesce((SELECT sum(points) FROM loyalty_postings p WHERE p.workspace_id = a.workspace_id AND p.customer_id = a.customer_id AND p.program_id = a.program_id), 0)::bigint AS postings,
           coalesce((SELECT sum(remaining) FROM loyalty_lots l WHERE l.workspace_id = a.workspace_id AND l.customer_id = a.customer_id AND l.program_id = a.program_id), 0)::bigint AS lots
    FROM loyalty_accounts a WHERE a.workspace_id = ${workspaceId}`.execute(db);
  const { rows: lots } = await sql<{ customer_id: number; posting_id: number; points: number; remaining: number; used: number }>`
    SELECT l.customer_id, l.posting_id, l.points, l.remaining,
           coalesce((SELECT sum(u.points) FROM loyalty_lot_uses u WHERE u.workspace_id = l.workspace_id AND u.customer_id = l.customer_id AND u.lot_id = l.posting_id), 0)::bigint AS used
    FROM loyalty_lots l WHERE l.workspace_id = ${workspaceId}`.execute(db);
  const { rows: debits } = await sql<{ customer_id: number; id: number; points: number; used: number }>`
    SELECT p.customer_id, p.id, p.points,
           coalesce((SELECT sum(u.points) FROM loyalty_lot_uses u WHERE u.workspace_id = p.workspace_id AND u.customer_id = p.customer_id AND u.posting_id = p.id), 0)::bigint AS used
    FROM loyalty_postings p WHERE p.workspace_id = ${workspaceId} AND p.points < 0`.execute(db);
  const problems: LedgerViolation[] = [];
  for (const b of balances) {
    if (b.balance !== b.postings) problems.push({ customerId: b.customer_id, problem: `balance ${b.balance} but postings sum to ${b.postings}` });
    if (b.balance !== b.lots) problems.push({ customerId: b.customer_id, problem: `balance ${b.balance} but lots hold ${b.lots}` });
  }
  for (const l of lots) {
    if (l.points - l.remaining !== l.used) problems.push({ customerId: l.customer_id, problem: `lot ${l.posting_id} of ${l.points} has ${l.remaining} left but uses record ${l.used}` });
  }
  for (const d of debits) {
    if (-d.points !== d.used) problems.push({ customerId: d.customer_id, problem: `debit ${d.id} of ${-d.points} consumed ${d.used} from lots` });
  }
  return problems;
}
