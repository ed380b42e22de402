import { createHash } from 'node:crypto';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database, JsonObject, LoyaltyPostingKind } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import type { Program } from './program.ts';
import type { ProgramRules } from './schema.ts';

type Trx = Transaction<Database>;

/** Where a posting is made: the workspace (its time zone dates end-of-year expiry), the program and the time. */
export interface LedgerContext {
  readonly workspaceId: number;
  readonly timezone: string;
  readonly program: Program;
  readonly now: Date;
}

/** A stored posting as the API shows it. */
export interface Posting {
  readonly id: number;
  readonly customerId: number;
  readonly kind: LoyaltyPostingKind;
  readonly points: number;
  readonly idempotencyKey: string;
  readonly rule: string | null;
  readonly orderId: number | null;
  readonly reason: string;
  readonly actor: string;
  readonly details: JsonObject;
  readonly occurredAt: Date;
  readonly createdAt: Date;
}

/** The outcome of a posting call: the posting (new, or the one stored under the key before) and the balance after. */
export interface PostingResult {
  readonly posting: Posting;
  readonly balance: number;
  /** True when the key had been posted before and nothing changed. */
  readonly replayed: boolean;
}

interface PostingBase {
  readonly customerId: number;
  readonly idempotencyKey: string;
  /** Hash of what the caller asked for; a retry under the same key must carry the same hash. */
  readonly requestHash: string;
  readonly rule?: string | undefined;
  readonly orderId?: number | undefined;
  readonly reason: string;
  readonly actor: string;
  readonly details?: JsonObject | undefined;
  readonly occurredAt: Date;
}

/** A credit: creates a lot that expires by the program's expiry rule, counted from occurredAt. */
export interface CreditRequest extends PostingBase {
  readonly kind: 'earn' | 'bonus' | 'adjust';
  /** The points, or how to work them out from the account's tier (read under the lock). */
  readonly points: number | ((tier: string | null) => number);
  /** Skip the credit (return undefined) when the customer already has this many postings of the rule. */
  readonly maxPerCustomer?: number | undefined;
}

/** A debit of `points` (a positive number), consuming lots first-expiring-first. */
export interface DebitRequest extends PostingBase {
  readonly kind: 'redeem' | 'adjust' | 'reverse';
  readonly points: number;
  /** Debit what the balance allows instead of refusing (refund reversals); the shortfall is recorded in details. */
  readonly clamp?: boolean | undefined;
  /** A lot to consume before any other (a reversal takes back its own earn lot first). */
  readonly preferLot?: number | undefined;
}

/** Canonical hash of a request payload, for idempotency conflicts. */
export function requestHash(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('base64url');
}

/** SQL for when a lot earned at `earnedAt` expires under the rules (NULL: never); end of year is in the workspace time zone. */
export function expirySql(rules: ProgramRules, earnedAt: RawBuilder<unknown>, timezone: string): RawBuilder<Date | null> {
  const e = rules.expiry;
  switch (e.kind) {
    case 'never':
      return sql<null>`NULL::timestamptz`;
    case 'rolling':
      return sql<Date>`(${earnedAt} + make_interval(months => ${e.months}::int))`;
    case 'end_of_year':
      return sql<Date>`((date_trunc('year', ${earnedAt} AT TIME ZONE ${timezone}) + make_interval(years => ${1 + e.extraYears}::int)) AT TIME ZONE ${timezone})`;
  }
}

const postingColumns = sql`id, customer_id, kind, points, idempotency_key, rule, order_id, reason, actor, details, occurred_at, created_at`;

interface PostingRowShape {
  id: number;
  customer_id: number;
  kind: LoyaltyPostingKind;
  points: number;
  idempotency_key: string;
  rule: string | null;
  order_id: number | null;
  reason: string;
  actor: string;
  details: JsonObject;
  occurred_at: Date;
  created_at: Date;
}

/** A posting row as the API shows it. */
export function toPosting(r: PostingRowShape): Posting {
  return {
    id: r.id,
    customerId: r.customer_id,
    kind: r.kind,
    points: r.points,
    idempotencyKey: r.idempotency_key,
    rule: r.rule,
    orderId: r.order_id,
    reason: r.reason,
    actor: r.actor,
    details: r.details,
    occurredAt: r.occurred_at,
    createdAt: r.created_at,
  };
}

/**
 * Locks the customer's account row (creating it, for a live profile of the workspace, when missing):
 * every change of a balance or of its lots holds this lock, so they apply one at a time per account.
 */
export async function lockAccount(trx: Trx, ctx: LedgerContext, customerId: number): Promise<{ balance: number; tier: string | null; has_due: boolean }> {
  // Whether lots are past their expiry rides along, so a debit runs the expiry statement only when needed.
  const select = () =>
    sql<{ balance: number; tier: string | null; has_due: boolean }>`
      SELECT a.balance, a.tier, EXISTS (
        SELECT 1 FROM loyalty_lots l WHERE l.workspace_id = a.workspace_id AND l.customer_id = a.customer_id AND l.program_id = a.program_id AND l.remaining > 0 AND l.expires_at <= ${ctx.now}
      ) AS has_due
      FROM loyalty_accounts a WHERE a.workspace_id = ${ctx.workspaceId} AND a.customer_id = ${customerId} AND a.program_id = ${ctx.program.id} FOR UPDATE OF a`.execute(trx);
  const found = await select();
  if (found.rows[0]) return found.rows[0];
  await sql`
    INSERT INTO loyalty_accounts (workspace_id, customer_id, program_id, created_at, updated_at)
    SELECT ${ctx.workspaceId}, id, ${ctx.program.id}, ${ctx.now}, ${ctx.now} FROM customers
    WHERE workspace_id = ${ctx.workspaceId} AND id = ${customerId} AND merged_into IS NULL
    ON CONFLICT DO NOTHING`.execute(trx);
  const again = await select();
  if (!again.rows[0]) {
    throw new PatronError('not_found', `customer ${customerId} does not exist in this workspace (or was merged into another profile)`, { path: ['customerId'], value: customerId });
  }
  return again.rows[0];
}

async function replay(trx: Trx, ctx: LedgerContext, request: PostingBase): Promise<PostingResult | undefined> {
  const { rows } = await sql<PostingRowShape & { request_hash: string }>`
    SELECT ${postingColumns}, request_hash FROM loyalty_postings WHERE workspace_id = ${ctx.workspaceId} AND idempotency_key = ${request.idempotencyKey}`.execute(trx);
  const previous = rows[0];
  if (!previous) return undefined;
  if (previous.request_hash !== request.requestHash || previous.customer_id !== request.customerId) {
    throw new PatronError('conflict', `idempotency key "${request.idempotencyKey}" was already used for a different posting (${previous.id}); use a new key for a new posting`, {
      path: ['idempotencyKey'],
      value: request.idempotencyKey,
      postingId: previous.id,
    });
  }
  const balance = await sql<{ balance: number }>`
    SELECT balance FROM loyalty_accounts WHERE workspace_id = ${ctx.workspaceId} AND customer_id = ${request.customerId} AND program_id = ${ctx.program.id}`.execute(trx);
  return { posting: toPosting(previous), balance: balance.rows[0]?.balance ?? 0, replayed: true };
}

// A key used concurrently for another customer passes the per-account lock; the unique index stops it.
async function insertOnce<T>(request: PostingBase, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505' && String((error as { constraint?: unknown }).constraint ?? '').includes('idempotency')) {
      throw new PatronError('conflict', `idempotency key "${request.idempotencyKey}" was already used for a different posting; use a new key for a new posting`, { path: ['idempotencyKey'], value: request.idempotencyKey });
    }
    throw error;
  }
}

/**
 * Expires the due lots of the given (already locked) accounts: one `expire` posting per lot, keyed by the
 * lot, so a second run finds nothing. Returns the points expired per customer.
 */
export async function expireLockedLots(trx: Trx, ctx: LedgerContext, customerIds: readonly number[]): Promise<Map<number, number>> {
  if (customerIds.length === 0) return new Map();
  const ws = ctx.workspaceId;
  const { rows } = await sql<{ customer_id: number; points: number }>`
    WITH due AS (
      SELECT customer_id, posting_id, remaining, expires_at FROM loyalty_lots
      WHERE workspace_id = ${ws} AND program_id = ${ctx.program.id} AND customer_id = ANY(${customerIds}::bigint[]) AND remaining > 0 AND expires_at <= ${ctx.now}
    ), posted AS (
      INSERT INTO loyalty_postings (workspace_id, customer_id, program_id, idempotency_key, request_hash, kind, points, reason, actor, details, occurred_at, created_at)
      SELECT ${ws}, customer_id, ${ctx.program.id}, 'lot:' || posting_id || ':expire', '', 'expire', -remaining, 'points expired', 'system',
             jsonb_build_object('lot', posting_id), expires_at, ${ctx.now}
      FROM due ORDER BY customer_id, posting_id
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING id, customer_id, points, (details->>'lot')::bigint AS lot
    ), uses AS (
      INSERT INTO loyalty_lot_uses (workspace_id, customer_id, posting_id, lot_id, points) SELECT ${ws}, customer_id, id, lot, -points FROM posted
    ), lots AS (
      UPDATE loyalty_lots l SET remaining = l.remaining + p.points FROM posted p
      WHERE l.workspace_id = ${ws} AND l.customer_id = p.customer_id AND l.posting_id = p.lot
    ), total AS (
      SELECT customer_id, -sum(points)::bigint AS points FROM posted GROUP BY customer_id
    ), accounts AS (
      UPDATE loyalty_accounts a SET balance = a.balance - t.points, updated_at = ${ctx.now} FROM total t
      WHERE a.workspace_id = ${ws} AND a.program_id = ${ctx.program.id} AND a.customer_id = t.customer_id
    )
    SELECT customer_id, points FROM total`.execute(trx);
  return new Map(rows.map((r) => [r.customer_id, r.points]));
}

/** Credits points in the caller's transaction, once per idempotency key. Undefined when maxPerCustomer is reached. */
export async function postCredit(trx: Trx, ctx: LedgerContext, request: CreditRequest): Promise<PostingResult | undefined> {
  const { tier } = await lockAccount(trx, ctx, request.customerId);
  const previous = await replay(trx, ctx, request);
  if (previous) return previous;
  const points = typeof request.points === 'number' ? request.points : request.points(tier);
  if (!Number.isSafeInteger(points) || points <= 0) throw new PatronError('invalid_input', `a credit needs a positive whole number of points, not ${points}`, { path: ['points'], value: points });
  if (request.maxPerCustomer !== undefined && request.rule !== undefined) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM loyalty_postings
      WHERE workspace_id = ${ctx.workspaceId} AND customer_id = ${request.customerId} AND program_id = ${ctx.program.id} AND rule = ${request.rule}`.execute(trx);
    if (rows[0]!.n >= request.maxPerCustomer) return undefined;
  }
  const ws = ctx.workspaceId;
  const { rows } = await insertOnce(request, () =>
    sql<PostingRowShape & { balance: number }>`
      WITH posted AS (
        INSERT INTO loyalty_postings (workspace_id, customer_id, program_id, idempotency_key, request_hash, kind, points, rule, order_id, reason, actor, details, occurred_at, created_at)
        VALUES (${ws}, ${request.customerId}, ${ctx.program.id}, ${request.idempotencyKey}, ${request.requestHash}, ${request.kind}, ${points}, ${request.rule ?? null},
                ${request.orderId ?? null}, ${request.reason}, ${request.actor}, ${JSON.stringify(request.details ?? {})}::jsonb, ${request.occurredAt}, ${ctx.now})
        RETURNING ${postingColumns}
      ), lot AS (
        INSERT INTO loyalty_lots (workspace_id, customer_id, posting_id, program_id, points, remaining, earned_at, expires_at)
        SELECT ${ws}, customer_id, id, ${ctx.program.id}, points, points, occurred_at, ${expirySql(ctx.program.rules, sql`posted.occurred_at`, ctx.timezone)} FROM posted
      ), account AS (
        UPDATE loyalty_accounts SET balance = balance + ${points}, updated_at = ${ctx.now}
        WHERE workspace_id = ${ws} AND customer_id = ${request.customerId} AND program_id = ${ctx.program.id}
        RETURNING balance
      )
      SELECT posted.*, account.balance FROM posted, account`.execute(trx),
  );
  const row = rows[0]!;
  return { posting: toPosting(row), balance: row.balance, replayed: false };
}

/**
 * Debits points in the caller's transaction, once per idempotency key: expires the account's due lots
 * first (so expired points are never spent), refuses a debit above the balance (or, with clamp, takes
 * what there is), consumes lots first-expiring-first and records which lots it consumed.
 */
export async function postDebit(trx: Trx, ctx: LedgerContext, request: DebitRequest): Promise<PostingResult> {
  if (!Number.isSafeInteger(request.points) || request.points <= 0) throw new PatronError('invalid_input', `a debit needs a positive whole number of points, not ${request.points}`, { path: ['points'] });
  const account = await lockAccount(trx, ctx, request.customerId);
  const previous = await replay(trx, ctx, request);
  if (previous) return previous;
  const expired = account.has_due ? await expireLockedLots(trx, ctx, [request.customerId]) : new Map<number, number>();
  const balance = account.balance - (expired.get(request.customerId) ?? 0);
  if (!request.clamp && request.points > balance) {
    throw new PatronError('limit_reached', `customer ${request.customerId} has ${balance} points, fewer than the ${request.points} asked for`, {
      path: ['points'],
      value: request.points,
      balance,
    });
  }
  const amount = Math.min(request.points, balance);
  const details = request.clamp && amount < request.points ? { ...request.details, shortfall: request.points - amount } : (request.details ?? {});
  const ws = ctx.workspaceId;
  const prefer = request.preferLot ?? 0;
  const { rows } = await insertOnce(request, () =>
    sql<PostingRowShape & { balance: number }>`
      WITH posted AS (
        INSERT INTO loyalty_postings (workspace_id, customer_id, program_id, idempotency_key, request_hash, kind, points, rule, order_id, reason, actor, details, occurred_at, created_at)
        VALUES (${ws}, ${request.customerId}, ${ctx.program.id}, ${request.idempotencyKey}, ${request.requestHash}, ${request.kind}, ${-amount}, ${request.rule ?? null},
                ${request.orderId ?? null}, ${request.reason}, ${request.actor}, ${JSON.stringify(details)}::jsonb, ${request.occurredAt}, ${ctx.now})
        RETURNING ${postingColumns}
      ), ranked AS (
        SELECT posting_id, remaining,
               sum(remaining) OVER (ORDER BY posting_id = ${prefer} DESC, expires_at NULLS LAST, posting_id) AS upto
        FROM loyalty_lots
        WHERE workspace_id = ${ws} AND customer_id = ${request.customerId} AND program_id = ${ctx.program.id} AND remaining > 0
      ), take AS (
        SELECT posting_id, least(remaining, ${amount}::bigint - (upto - remaining)) AS n FROM ranked WHERE upto - remaining < ${amount}::bigint
      ), uses AS (
        INSERT INTO loyalty_lot_uses (workspace_id, customer_id, posting_id, lot_id, points)
        SELECT ${ws}, ${request.customerId}, posted.id, take.posting_id, take.n FROM posted, take
      ), lots AS (
        UPDATE loyalty_lots l SET remaining = l.remaining - take.n FROM take
        WHERE l.workspace_id = ${ws} AND l.customer_id = ${request.customerId} AND l.posting_id = take.posting_id
      ), account AS (
        UPDATE loyalty_accounts SET balance = balance - ${amount}, updated_at = ${ctx.now}
        WHERE workspace_id = ${ws} AND customer_id = ${request.customerId} AND program_id = ${ctx.program.id}
        RETURNING balance
      )
      SELECT posted.*, account.balance FROM posted, account`.execute(trx),
  );
  const row = rows[0]!;
  return { posting: toPosting(row), balance: row.balance, replayed: false };
}
