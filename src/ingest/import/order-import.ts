import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../../access/index.ts';
import { applyProfilePatches } from '../../customers/index.ts';
import type { Database } from '../../db/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { postPointsForActivity } from '../../loyalty/index.ts';
import { recordOrdersInTransaction, recordRefundsInTransaction, type OrderInput, type RefundInput } from '../../orders/index.ts';
import { BloomFilter } from './bloom-filter.ts';
import { emptyOutcome, type BatchOutcome, type ImportRun, type KindImporter, type RowBatch, type RowContext, type RowReject } from './import-kind.ts';
import { orderLineSchema, type OrderLine } from './order-rows.ts';
import type { SourceRow } from './read-rows.ts';

type Trx = Transaction<Database>;

interface PendingLine {
  readonly line: OrderLine;
  readonly source: SourceRow;
}

/** The lines of one order number collected so far. */
interface OrderGroup {
  readonly number: string;
  readonly lines: PendingLine[];
  /** The buyer named by its lines (type:value of the most specific identifier), once one has. */
  buyer: string | undefined;
}

/**
 * Orders: rows are lines, folded into one order per order number (or per customer and date when the
 * file has none); negative rows and credit notes become refunds. Lines of one order are expected
 * together, as shops export them; an order whose lines come back later in the file is completed with
 * the lines written before (see mergeEarlierLines).
 */
export function orderImporter(ctx: RowContext, present?: ReadonlySet<string>): KindImporter<OrderLine> {
  return { schema: orderLineSchema(ctx, present), createBatch: (workspace, run) => orderBatch(workspace, run) };
}

const maxOrderNumber = 200;

/**
 * The order number of a row without one: the buyer's most specific identifier and the order time as
 * written (the date alone for date-only files such as CDNOW, so same-day purchases fold into one order),
 * else for a guest the row's line and content. The same file gives the same numbers on every import.
 */
export function derivedOrderNumber(line: OrderLine, source: SourceRow): string {
  const who = line.identities[0];
  const number = who
    ? `${who.value}@${line.orderedAt.key}`
    : `guest-${source.line}-${createHash('sha1').update(JSON.stringify(source.cells)).digest('base64url').slice(0, 10)}`;
  return number.length <= maxOrderNumber ? number : `auto-${createHash('sha1').update(number).digest('base64url')}`;
}

const identityKey = (line: OrderLine) => (line.identities[0] ? `${line.identities[0].type}:${line.identities[0].value}` : undefined);

function orderBatch(workspace: Workspace, run: ImportRun): RowBatch<OrderLine> {
  const written = new BloomFilter();
  let groups = new Map<string, OrderGroup>();
  let open: OrderGroup | undefined;
  let size = 0;
  return {
    add(line, source) {
      const number = line.orderNumber ?? derivedOrderNumber(line, source);
      let group = groups.get(number);
      if (!group) {
        group = { number, lines: [], buyer: undefined };
        groups.set(number, group);
      } else {
        const refused = contradiction(group, line, source);
        if (refused) return refused;
      }
      group.buyer ??= identityKey(line);
      group.lines.push({ line, source });
      open = group;
      size++;
      return undefined;
    },
    get size() {
      return size;
    },
    take(final) {
      // The order being read may continue in the next rows: it waits for the next batch unless the file has ended.
      const keep = final ? undefined : open;
      const ready = [...groups.values()].filter((g) => g !== keep);
      if (ready.length === 0) return undefined;
      groups = keep ? new Map([[keep.number, keep]]) : new Map();
      size = keep?.lines.length ?? 0;
      return (trx) => writeOrderGroups(trx, workspace, run, written, ready);
    },
  };
}

function contradiction(group: OrderGroup, line: OrderLine, source: SourceRow): RowReject | undefined {
  const first = group.lines[0]!;
  const theirs = group.buyer;
  const mine = identityKey(line);
  if (theirs !== undefined && mine !== undefined && theirs !== mine) {
    return { row: source, field: `customer.${line.identities[0]!.type}`, reason: `order ${group.number} belongs to ${theirs} (line ${first.source.line}); this line names ${mine}` };
  }
  if (first.line.currency !== line.currency) {
    return { row: source, field: 'currency', reason: `order ${group.number} is in ${first.line.currency} (line ${first.source.line}); this line is in ${line.currency}` };
  }
  return undefined;
}

interface PendingOrder {
  readonly group: OrderGroup;
  readonly input: OrderInput & { items: NonNullable<OrderInput['items']> };
  readonly profile: OrderLine['profile'];
}

interface PendingRefund {
  readonly input: RefundInput;
  readonly source: SourceRow;
  readonly line: OrderLine;
}

function toOrderInput(group: OrderGroup, lines: readonly PendingLine[]): PendingOrder {
  const first = lines[0]!.line;
  const buyer = lines.find((l) => l.line.identities.length > 0)?.line;
  return {
    group,
    profile: lines.find((l) => l.line.profile)?.line.profile,
    input: {
      externalId: group.number,
      ...(buyer ? { customer: { identities: buyer.identities.map((i) => ({ type: i.type, value: i.value })) } } : {}),
      channel: first.channel,
      store: first.store,
      status: first.status,
      currency: first.currency,
      orderedAt: first.orderedAt.at,
      totalMinor: lines.find((l) => l.line.orderTotalMinor !== undefined)?.line.orderTotalMinor,
      items: lines
        .filter((l) => l.line.item)
        .map(({ line }) => ({ sku: line.sku, productName: line.productName, category: line.category, quantity: line.quantity, unitPriceMinor: line.item!.unitPriceMinor, amountMinor: line.item!.amountMinor })),
    },
  };
}

const refundId = (group: OrderGroup, source: SourceRow) => `${group.number}/${source.line}`;

async function writeOrderGroups(trx: Trx, workspace: Workspace, run: ImportRun, written: BloomFilter, groups: readonly OrderGroup[]): Promise<BatchOutcome> {
  const outcome = emptyOutcome();
  let orders: PendingOrder[] = [];
  const refunds: PendingRefund[] = [];
  const refundOnly: OrderGroup[] = [];
  for (const group of groups) {
    const sold = group.lines.filter((l) => !l.line.refund);
    if (sold.length === 0) {
      refundOnly.push(group);
      continue;
    }
    orders.push(toOrderInput(group, sold));
    for (const { line, source } of group.lines) {
      if (!line.refund) continue;
      refunds.push({ source, line, input: { externalId: refundId(group, source), orderExternalId: line.refund.orderNumber ?? group.number, amountMinor: line.refund.amountMinor, refundedAt: line.orderedAt.at } });
    }
  }

  if (orders.length > 0) {
    // Only numbers this run may have written already can need their earlier lines: usually none.
    const maybeSeen = orders.filter((o) => written.mightHave(o.group.number));
    if (maybeSeen.length > 0) await mergeEarlierLines(trx, workspace.id, run.startedAt, maybeSeen);
    for (;;) {
      const result = await attempt(trx, () => recordOrdersInTransaction(trx, workspace, orders.map((o) => o.input), 'import'));
      if (result.ok) {
        outcome.inserted += result.value.inserted;
        outcome.updated += result.value.updated;
        outcome.unchanged += result.value.unchanged;
        const patches = orders.flatMap((o, i) => (o.profile && result.value.customerIds[i] != null ? [{ customerId: result.value.customerIds[i]!, patch: o.profile }] : []));
        if (patches.length > 0) await applyProfilePatches(trx, workspace.id, patches);
        for (const o of orders) written.add(o.group.number);
        break;
      }
      const at = result.index;
      const bad = orders[at]!;
      for (const { source } of bad.group.lines) outcome.rejects.push({ row: source, field: '', reason: `order ${bad.group.number}: ${result.reason}` });
      orders = orders.filter((_, i) => i !== at);
      for (let i = refunds.length - 1; i >= 0; i--) if (refunds[i]!.input.orderExternalId === bad.group.number) refunds.splice(i, 1);
    }
  }

  if (refundOnly.length > 0) {
    const numbers = refundOnly.map((g) => g.number);
    const known = await sql<{ external_id: string }>`SELECT external_id FROM orders WHERE workspace_id = ${workspace.id} AND external_id = ANY(${numbers}::text[])`.execute(trx);
    const existing = new Set(known.rows.map((r) => r.external_id));
    for (const group of refundOnly) {
      for (const { line, source } of group.lines) {
        const refund = line.refund!;
        const named = refund.orderNumber ?? (existing.has(group.number) ? group.number : undefined);
        const base = { externalId: refundId(group, source), amountMinor: refund.amountMinor, refundedAt: line.orderedAt.at };
        if (named !== undefined) refunds.push({ source, line, input: { ...base, orderExternalId: named } });
        else if (line.identities.length > 0) {
          // A credit note that does not name its order (UCI Online Retail's C invoices): the customer's latest earlier order holding the SKU.
          refunds.push({ source, line, input: { ...base, customer: { identities: line.identities.map((i) => ({ type: i.type, value: i.value })) }, ...(line.sku ? { sku: line.sku } : {}) } });
        } else {
          outcome.rejects.push({ row: source, field: 'refunded_order', reason: 'a refund without a customer must name the order it refunds: map refunded_order, or give the customer' });
        }
      }
    }
  }
  refunds.sort((a, b) => a.source.line - b.source.line);
  await applyRefunds(trx, workspace, refunds, outcome);
  // Points for the batch's orders and refunds, in its transaction (nothing without a loyalty program).
  await postPointsForActivity(trx, workspace, { orderNumbers: orders.map((o) => o.input.externalId), refundIds: refunds.map((r) => r.input.externalId) }, run.startedAt);
  return outcome;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; index: number; reason: string };

/**
 * Runs a bulk write under a savepoint. When it fails on one input (a PatronError whose path starts
 * with the input's index) the savepoint is rolled back and the index returned, so that the caller can
 * set that input aside and go on; any other error is thrown.
 */
async function attempt<T>(trx: Trx, write: () => Promise<T>): Promise<Attempt<T>> {
  await sql`SAVEPOINT patron_import`.execute(trx);
  try {
    const value = await write();
    await sql`RELEASE SAVEPOINT patron_import`.execute(trx);
    return { ok: true, value };
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT patron_import`.execute(trx);
    await sql`RELEASE SAVEPOINT patron_import`.execute(trx);
    const index = error instanceof PatronError && error.code === 'invalid_input' ? error.details.path?.[0] : undefined;
    if (typeof index !== 'number' || !(error instanceof PatronError)) throw error;
    // The bulk functions prefix messages with the input's position ("order 3: …", "refund 2 (C1): …"); the rejects file names the row instead.
    return { ok: false, index, reason: error.message.replace(/^(order|refund) \d+( \([^)]*\))?: /, '') };
  }
}

const refundField = (line: OrderLine, path: readonly (string | number)[] | undefined): string => {
  switch (path?.[1]) {
    case 'amountMinor':
      return 'amount';
    case 'customer':
      return line.identities[0] ? `customer.${line.identities[0].type}` : '';
    case 'orderExternalId':
      return line.refund?.orderNumber !== undefined ? 'refunded_order' : 'order_number';
    default:
      return '';
  }
};

/** Applies refunds in file order; one that cannot be applied (no order to refund, more than is left) is rejected alone. */
async function applyRefunds(trx: Trx, workspace: Workspace, refunds: readonly PendingRefund[], outcome: BatchOutcome): Promise<void> {
  let rest = refunds;
  while (rest.length > 0) {
    let path: readonly (string | number)[] | undefined;
    const result = await attempt(trx, () =>
      recordRefundsInTransaction(trx, workspace, rest.map((r) => r.input), 'import').catch((e: unknown) => {
        if (e instanceof PatronError) path = e.details.path;
        throw e;
      }),
    );
    if (result.ok) {
      outcome.refundsApplied += result.value.applied;
      outcome.refundDuplicates += result.value.duplicates;
      return;
    }
    // The refunds before the failing one were fine: apply them again, then go on after it.
    if (result.index > 0) {
      const before = await recordRefundsInTransaction(trx, workspace, rest.slice(0, result.index).map((r) => r.input), 'import');
      outcome.refundsApplied += before.applied;
      outcome.refundDuplicates += before.duplicates;
    }
    const bad = rest[result.index]!;
    outcome.rejects.push({ row: bad.source, field: refundField(bad.line, path), reason: `refund ${bad.input.externalId}: ${result.reason}` });
    rest = rest.slice(result.index + 1);
  }
}

/**
 * Completes orders whose number this run has written before (a file whose lines of one order are not
 * together): the lines written then are kept in front of the new ones, so the order ends with all its
 * lines. Re-importing such a file rewrites those orders on the way (the end result is the same).
 */
async function mergeEarlierLines(trx: Trx, workspaceId: number, since: Date, orders: readonly PendingOrder[]): Promise<void> {
  const earlier = await sql<{ id: number; external_id: string; total_minor: number }>`
    SELECT id, external_id, total_minor FROM orders
    WHERE workspace_id = ${workspaceId} AND external_id = ANY(${orders.map((o) => o.input.externalId)}::text[])
      AND (created_at >= ${since} OR updated_at >= ${since})`.execute(trx);
  if (earlier.rows.length === 0) return;
  const items = await trx
    .selectFrom('order_items')
    .select(['order_id', 'sku', 'product_name', 'category', 'quantity', 'unit_price_minor', 'amount_minor'])
    .where('workspace_id', '=', workspaceId)
    .where(
      'order_id',
      'in',
      earlier.rows.map((r) => r.id),
    )
    .orderBy('order_id')
    .orderBy('line_no')
    .execute();
  const byNumber = new Map(orders.map((o) => [o.input.externalId, o]));
  for (const row of earlier.rows) {
    const order = byNumber.get(row.external_id)!;
    const before = items
      .filter((i) => i.order_id === row.id)
      .map((i) => ({
        sku: i.sku ?? undefined,
        productName: i.product_name ?? undefined,
        category: i.category ?? undefined,
        quantity: Number(i.quantity),
        unitPriceMinor: i.unit_price_minor,
        amountMinor: i.amount_minor,
      }));
    const beforeSum = before.reduce((a, i) => a + i.amountMinor, 0);
    // A total given by the file (order_total) differs from the sum of the lines: keep it.
    if (order.input.totalMinor === undefined && row.total_minor !== beforeSum) order.input.totalMinor = row.total_minor;
    order.input.items.unshift(...before);
  }
}
