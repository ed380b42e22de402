import type { Kysely, Transaction } from 'kysely';
import type { Workspace } from '../../access/index.ts';
import {
  applyProfilePatches,
  findIdentityOwners,
  identityKey,
  identityPriority,
  lockLiveProfiles,
  recordConsents,
  resolveCustomers,
  type ConsentStatement,
  type Identity,
  type ProfilePatch,
} from '../../customers/index.ts';
import type { Database, EventType, JsonObject } from '../../db/index.ts';
import { recordEvents, type EventRow } from '../../events/index.ts';
import { postPointsForActivity } from '../../loyalty/index.ts';
import { recordOrdersInTransaction, type OrderInput } from '../../orders/index.ts';
import { applyRefunds, orderCompletedEvent, orderFromEvent, orderRefundedEvent, refundFromEvent, type RefundRequest } from './commerce.ts';
import { eventTime, parseTimestamp } from './event-time.ts';
import { deriveMessageId } from './message-id.ts';
import type { TrackingMessage, TrackingPayload } from './schema.ts';
import { consentFromMessage, type TrackedConsent } from './consent.ts';
import { messageIdentities, profileFromTraits, type TrackingWarning } from './traits.ts';

/** What one tracking call did once committed. */
export interface TrackingResult {
  /** Messages stored for the first time. */
  readonly accepted: number;
  /** Messages whose id was stored before (a retried call) or repeated within the call: stored once, ignored here. */
  readonly duplicates: number;
  /** Values Patron could not use (a bad email, an unreadable timestamp, an order without order_id); their events were stored. */
  readonly warnings: readonly TrackingWarning[];
}

/** A message made ready to store: its id, time, identities and side effects. */
interface Prepared {
  readonly message: TrackingMessage;
  readonly at: string;
  readonly messageId: string;
  readonly occurredAt: Date;
  readonly context: JsonObject;
  /** Most specific first. */
  readonly identities: Identity[];
  readonly patch: ProfilePatch | undefined;
  readonly order: OrderInput | undefined;
  readonly refund: RefundRequest | undefined;
  readonly consents: readonly TrackedConsent[];
}

const reason = 'tracking';
const retryableCodes = new Set(['40P01', '40001']);
const maxAttempts = 3;

const byPriority = (a: Identity, b: Identity) => identityPriority(a.type) - identityPriority(b.type);

const badTime = 'not an ISO-8601 date-time; ignored (see the clock-skew rule in docs/tracking-api.md)';

function prepare(payload: TrackingPayload, workspace: Workspace, receivedAt: Date, ip: string | undefined, warnings: TrackingWarning[]): Prepared[] {
  const batchSentAt = parseTimestamp(payload.sentAt);
  if (batchSentAt === null) warnings.push({ path: 'sentAt', message: badTime });
  return payload.messages.map((message, index) => {
    const at = payload.batched ? `batch[${index}].` : '';
    const messageId = message.messageId ?? deriveMessageId(message.raw);
    const { occurredAt, bad } = eventTime(message, batchSentAt ?? undefined, receivedAt);
    for (const b of bad) warnings.push({ path: `${at}${b.field}`, message: badTime });
    let context: JsonObject = payload.context ? { ...payload.context, ...message.context } : (message.context ?? {});
    // Segment's rule: the caller's IP is recorded only when the call comes straight from the user's device.
    if (context.direct === true && ip !== undefined && context.ip === undefined) context = { ...context, ip };

    const identities = messageIdentities(message, workspace.defaultCountry, at, warnings).sort(byPriority);
    const patch = message.type === 'identify' && message.traits ? profileFromTraits(message.traits, message.context, at, warnings) : undefined;
    const properties = message.properties ?? {};
    // The buyer is the most specific identifier, which resolves to the event's profile.
    const order = message.type === 'track' && message.event === orderCompletedEvent ? orderFromEvent(properties, occurredAt, identities[0], workspace, at, warnings) : undefined;
    const refund = message.type === 'track' && message.event === orderRefundedEvent ? refundFromEvent(properties, messageId, occurredAt, workspace, at, warnings) : undefined;
    const consents = consentFromMessage(message, context, occurredAt, at, warnings);
    return { message, at, messageId, occurredAt, context, identities, patch, order, refund, consents };
  });
}

function eventRow(p: Prepared, customerId: number | null, receivedAt: Date): EventRow {
  const m = p.message;
  let name: string | null = null;
  let properties: JsonObject;
  switch (m.type) {
    case 'identify':
      properties = m.traits ?? {};
      break;
    case 'track':
      name = m.event ?? null;
      properties = m.properties ?? {};
      break;
    case 'page':
    case 'screen':
      name = m.name ?? null;
      properties = m.category && m.properties?.category === undefined ? { ...m.properties, category: m.category } : (m.properties ?? {});
      break;
    case 'group':
      name = m.groupId ?? null;
      properties = m.traits ?? {};
      break;
    case 'alias':
      properties = { previousId: m.previousId };
      break;
  }
  return { messageId: p.messageId, customerId, anonymousId: m.anonymousId ?? null, type: m.type satisfies EventType, name, occurredAt: p.occurredAt, receivedAt, properties, context: p.context };
}

/**
 * Resolves every message of a call to a profile. Messages whose identifiers all belong to one profile
 * already (the usual case: a known person's next event) are attributed to it under a shared lock on the
 * profile, so concurrent calls about the same people run side by side. The others, a first identifier or
 * one that links profiles, go to resolveCustomers in one bulk call (set-based for single identifiers,
 * the full resolution with merges for linking calls). An alias's previousId is a former userId when such
 * an external id exists, else an anonymousId.
 */
async function resolveProfiles(trx: Transaction<Database>, workspace: Workspace, prepared: readonly Prepared[]): Promise<(number | null)[]> {
  const lookup = new Map<string, Identity>();
  for (const p of prepared) {
    for (const i of p.identities) lookup.set(identityKey(i), i);
    if (p.message.type === 'alias' && p.message.previousId) {
      for (const type of ['external_id', 'anonymous_id'] as const) {
        const i = { type, value: p.message.previousId };
        lookup.set(identityKey(i), i);
      }
    }
  }
  const seen = await findIdentityOwners(trx, workspace.id, [...lookup.values()]);

  const result: (number | null)[] = new Array<number | null>(prepared.length).fill(null);
  const known: { index: number; primary: Identity }[] = [];
  const unresolved: { index: number; identities: Identity[] }[] = [];
  for (const [index, p] of prepared.entries()) {
    let identities = p.identities;
    if (p.message.type === 'alias' && p.message.previousId) {
      const previous: Identity = { type: seen.has(identityKey({ type: 'external_id', value: p.message.previousId })) ? 'external_id' : 'anonymous_id', value: p.message.previousId };
      if (!identities.some((i) => identityKey(i) === identityKey(previous))) identities = [...identities, previous].sort(byPriority);
    }
    if (identities.length === 0) continue;
    const owners = new Set(identities.map((i) => seen.get(identityKey(i))));
    if (owners.size === 1 && !owners.has(undefined)) known.push({ index, primary: identities[0]! });
    else unresolved.push({ index, identities });
  }

  // Linking and new identifiers first: resolveCustomers takes its advisory locks before any row lock of ours.
  const resolve = async (items: readonly { index: number; identities: Identity[] }[]) => {
    if (items.length === 0) return;
    const ids = await resolveCustomers(trx, workspace, items.map((u) => ({ identities: u.identities })), reason);
    items.forEach((u, n) => (result[u.index] = ids[n]!));
  };
  await resolve(unresolved);
  const ownerOf = (primary: Identity) => seen.get(identityKey(primary))!;
  const live = await lockLiveProfiles(trx, workspace.id, known.map((k) => ownerOf(k.primary)));
  // Rare: a known profile was merged away since it was read; resolve its messages again.
  const moved: { index: number; identities: Identity[] }[] = [];
  for (const { index, primary } of known) {
    if (live.has(ownerOf(primary))) result[index] = ownerOf(primary);
    else moved.push({ index, identities: [primary] });
  }
  await resolve(moved);
  return result;
}

async function write(trx: Transaction<Database>, workspace: Workspace, prepared: readonly Prepared[], receivedAt: Date, warnings: TrackingWarning[]): Promise<number> {
  const customerIds = await resolveProfiles(trx, workspace, prepared);
  const fresh = await recordEvents(trx, workspace.id, prepared.map((p, n) => eventRow(p, customerIds[n]!, receivedAt)));

  // Side effects only for messages stored now, so that a retried call changes nothing twice.
  const patches: { customerId: number; patch: ProfilePatch }[] = [];
  const orders = new Map<string, OrderInput>();
  const refunds: RefundRequest[] = [];
  const consents: ConsentStatement[] = [];
  const order = prepared
    .map((p, n) => ({ p, n }))
    .filter(({ p }) => fresh.has(p.messageId))
    .sort((x, y) => x.p.occurredAt.getTime() - y.p.occurredAt.getTime() || x.n - y.n);
  for (const { p, n } of order) {
    const customerId = customerIds[n] ?? null;
    if (p.patch && customerId !== null) patches.push({ customerId, patch: p.patch });
    if (customerId !== null) for (const c of p.consents) consents.push({ ...c, customerId });
    const o = p.order;
    if (o) {
      if (orders.has(o.externalId)) warnings.push({ path: `${p.at}properties.order_id`, message: `order ${o.externalId} appears more than once in this call; the latest one was recorded` });
      orders.set(o.externalId, o);
    }
    if (p.refund) refunds.push(p.refund);
  }
  // In time order: applyProfilePatches lets a profile's later patches win, field by field and attribute by attribute.
  await applyProfilePatches(trx, workspace.id, patches);
  await recordConsents(trx, workspace.id, consents);
  if (orders.size > 0) await recordOrdersInTransaction(trx, workspace, [...orders.values()], `${reason}: ${orderCompletedEvent}`);
  await applyRefunds(trx, workspace, refunds, warnings);
  // Points for the orders, refunds and tracked events of this call, in its transaction (nothing without a loyalty program).
  const tracked = order.flatMap(({ p, n }) => {
    const m = p.message;
    return m.type === 'track' && m.event && customerIds[n] != null ? [{ messageId: p.messageId, customerId: customerIds[n]!, name: m.event, properties: m.properties ?? {}, occurredAt: p.occurredAt }] : [];
  });
  await postPointsForActivity(trx, workspace, { orderNumbers: [...orders.keys()], refundIds: refunds.map((r) => r.externalId), events: tracked }, receivedAt);
  return fresh.size;
}

const isRetryable = (error: unknown) => typeof error === 'object' && error !== null && retryableCodes.has(String((error as { code?: unknown }).code));

/**
 * Stores a tracking call (Segment HTTP Tracking API semantics) in one transaction: every message becomes
 * an event attributed to its resolved profile, de-duplicated by messageId (derived from the content when
 * absent); identify applies traits to the profile, alias links previousId to userId, `Order Completed`
 * and `Order Refunded` become orders and refunds (customer_stats kept current). Returns once committed
 * with synchronous_commit on (set for every connection, src/db/connect.ts), so an acknowledged call survives a crash. A deadlock with a concurrent
 * call on the same profiles is retried here, up to three attempts.
 */
export async function ingestTracking(db: Kysely<Database>, workspace: Workspace, payload: TrackingPayload, options: { receivedAt: Date; ip?: string | undefined }): Promise<TrackingResult> {
  const prepareWarnings: TrackingWarning[] = [];
  const all = prepare(payload, workspace, options.receivedAt, options.ip, prepareWarnings);
  // A message id repeated within one call is one message sent twice: keep the first.
  const seen = new Set<string>();
  const prepared = all.filter((p) => !seen.has(p.messageId) && seen.add(p.messageId));
  for (let attempt = 1; ; attempt++) {
    const warnings = [...prepareWarnings];
    try {
      const accepted = await db.transaction().execute((trx) => write(trx, workspace, prepared, options.receivedAt, warnings));
      return { accepted, duplicates: all.length - accepted, warnings };
    } catch (error) {
      if (attempt < maxAttempts && isRetryable(error)) continue;
      throw error;
    }
  }
}
