import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database, MessageStatus } from '../db/index.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';
import { consentChannelOf, consentKey, loadRecipients, type Recipient } from './audience.ts';
import { unsubscribeUrl } from './links.ts';
import { inGlobalControlShare } from './policy/control-group.ts';
import { isValidTimeZone, quietUntil } from './policy/quiet-hours.ts';
import { channelCandidates, loadContactPolicy, type CapRule, type ContactPolicy } from './policy/settings.ts';
import { loadProviders, type Providers } from './providers.ts';
import { renderContent } from './templates/render.ts';
import { messageContentSchema } from './templates/store.ts';
import type { ChannelKind, MessageContent, MessageOutcome, MessageRequest, RenderedMessage } from './types.ts';

type Trx = Transaction<Database>;

/** One row the batch writes to the message log. */
interface Row {
  readonly request: MessageRequest;
  readonly id: number;
  readonly status: MessageStatus;
  readonly channel: ChannelKind | null;
  readonly reason: string | null;
  readonly address: string | null;
  readonly content: RenderedMessage | Record<string, never>;
  readonly nextAttemptAt: Date | null;
}

const dayMs = 86_400_000;

/** Counts a customer's marketing messages per window, so caps are checked without a query per message. */
class CapCounter {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly windows: readonly number[],
    rows: readonly { customer_id: number; channel: string | null; counts: number[] }[],
  ) {
    for (const row of rows) {
      row.counts.forEach((count, i) => {
        this.bump(row.customer_id, '*', i, Number(count));
        if (row.channel) this.bump(row.customer_id, row.channel, i, Number(count));
      });
    }
  }

  private bump(customerId: number, channel: string, window: number, by: number): void {
    const key = `${customerId}:${channel}:${window}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  /** The first rule this customer has reached on the channel ('*': all channels), or null. */
  reached(customerId: number, channel: string, rules: readonly CapRule[]): CapRule | null {
    for (const rule of rules) {
      const i = this.windows.indexOf(rule.days);
      if ((this.counts.get(`${customerId}:${channel}:${i}`) ?? 0) >= rule.max) return rule;
    }
    return null;
  }

  /** Counts a message queued in this batch. */
  add(customerId: number, channel: string): void {
    this.windows.forEach((_, i) => {
      this.bump(customerId, '*', i, 1);
      this.bump(customerId, channel, i, 1);
    });
  }
}

function capReason(rule: CapRule, channel: string): string {
  return `frequency cap: at most ${rule.max} marketing message(s) in ${rule.days} day(s)${channel === '*' ? '' : ` on ${channel}`}`;
}

function validate(request: MessageRequest, index: number): void {
  if (!request.idempotencyKey || request.idempotencyKey.length > 300) {
    throw invalidInput('A message needs an idempotency key of 1 to 300 characters', { path: [index, 'idempotencyKey'] });
  }
}

/** Why a channel cannot carry this message to this customer, or null when it can. */
function channelRefusal(channel: ChannelKind, request: MessageRequest, recipient: Recipient, providers: Providers, suppressed: ReadonlySet<string>): string | null {
  if (!providers[channel]) return `${channel} is not configured for this workspace`;
  const address = recipient.addresses[channel];
  if (!address) return `no ${channel} address`;
  if (suppressed.has(`${channel}:${address.toLowerCase()}`)) return `${channel} address is on the suppression list`;
  const consentChannel = consentChannelOf[channel];
  // Marketing needs an explicit opt-in (no row = no consent). Transactional needs no opt-in but is never sent
  // on a channel the customer opted out of for transactional messages as well (opted out of the channel entirely).
  if (request.purpose === 'marketing') {
    if (recipient.consents.get(consentKey(consentChannel, 'marketing')) !== 'opted_in') return `no marketing consent for ${consentChannel}`;
  } else if (recipient.consents.get(consentKey(consentChannel, 'transactional')) === 'opted_out') {
    return `opted out of ${consentChannel}`;
  }
  return null;
}

/**
 * Applies the contact policy to many requests with a fixed number of statements and records every one in
 * the message log in the caller's transaction (the outbox): delivery happens after commit, by
 * dispatchMessages, so a rolled-back caller sends nothing. Returns one outcome per request, in order.
 *
 * The journeys engine should call this once per claimed batch (hundreds to thousands of requests) rather
 * than queueMessage per customer: the cost is about ten statements per batch.
 */
export async function queueMessages(trx: Trx, workspace: Workspace, requests: readonly MessageRequest[], now: Date): Promise<MessageOutcome[]> {
  if (requests.length === 0) return [];
  requests.forEach(validate);
  const keys = requests.map((r) => r.idempotencyKey);
  const existing = await trx
    .selectFrom('messages')
    .select(['id', 'idempotency_key', 'status'])
    .where('workspace_id', '=', workspace.id)
    .where(sql<boolean>`idempotency_key = ANY(${keys}::text[])`)
    .execute();
  const existingByKey = new Map(existing.map((row) => [row.idempotency_key, row]));
  const outcomes: (MessageOutcome | undefined)[] = new Array(requests.length);
  // The first request of a key in the batch is evaluated; later ones and keys already settled are duplicates.
  const firstOfKey = new Map<string, number>();
  const pending: number[] = [];
  requests.forEach((request, i) => {
    const prior = existingByKey.get(request.idempotencyKey);
    if (firstOfKey.has(request.idempotencyKey)) return;
    firstOfKey.set(request.idempotencyKey, i);
    if (prior && prior.status !== 'held') outcomes[i] = { status: 'duplicate', messageId: prior.id };
    else pending.push(i);
  });

  if (pending.length > 0) {
    const rows = await evaluate(trx, workspace, pending.map((i) => requests[i]!), existingByKey, now);
    const written = await writeRows(trx, workspace.id, rows, now);
    rows.forEach((row, n) => {
      const i = pending[n]!;
      const writtenId = written.get(row.request.idempotencyKey);
      outcomes[i] = writtenId === undefined ? { status: 'duplicate', messageId: -1 } : outcomeOf(row, writtenId);
    });
    // Keys another transaction recorded between our check and our insert are duplicates of its row.
    const raced = pending.filter((i) => outcomes[i]!.status === 'duplicate').map((i) => requests[i]!.idempotencyKey);
    if (raced.length > 0) {
      const ids = await trx
        .selectFrom('messages')
        .select(['id', 'idempotency_key'])
        .where('workspace_id', '=', workspace.id)
        .where(sql<boolean>`idempotency_key = ANY(${raced}::text[])`)
        .execute();
      const idOf = new Map(ids.map((r) => [r.idempotency_key, r.id]));
      for (const i of pending) if (outcomes[i]!.status === 'duplicate') outcomes[i] = { status: 'duplicate', messageId: idOf.get(requests[i]!.idempotencyKey)! };
    }
  }
  return requests.map((request, i) => {
    const first = firstOfKey.get(request.idempotencyKey)!;
    if (first === i) return outcomes[i]!;
    const settled = outcomes[first]!;
    return { status: 'duplicate', messageId: settled.messageId };
  });
}

/** Applies the contact policy to one request and records it; see queueMessages for batches. */
export async function queueMessage(trx: Trx, workspace: Workspace, request: MessageRequest, now: Date): Promise<MessageOutcome> {
  const [outcome] = await queueMessages(trx, workspace, [request], now);
  return outcome!;
}

function outcomeOf(row: Row, messageId: number): MessageOutcome {
  switch (row.status) {
    case 'queued':
      return { status: 'queued', messageId, channel: row.channel! };
    case 'dry_run':
      // A dry run reports what would have been sent; its log row says dry_run and is never delivered.
      return { status: 'sent', messageId, channel: row.channel! };
    case 'held':
      return { status: 'held', messageId, until: row.nextAttemptAt! };
    case 'suppressed':
      return { status: 'suppressed', messageId, reason: row.reason! };
    case 'failed':
      return { status: 'failed', messageId, reason: row.reason! };
    default:
      throw new Error(`A new message cannot be ${row.status}`);
  }
}

async function loadTemplates(trx: Trx, workspaceId: number, requests: readonly MessageRequest[]): Promise<Map<number, MessageContent>> {
  const ids = [...new Set(requests.flatMap((r) => ('templateId' in r.content ? [r.content.templateId] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('message_templates')
    .select(['id', 'content'])
    .where('workspace_id', '=', workspaceId)
    .where(sql<boolean>`id = ANY(${ids}::bigint[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, messageContentSchema.parse(r.content) as MessageContent]));
}

async function countCaps(trx: Trx, workspaceId: number, customerIds: readonly number[], windows: readonly number[], now: Date): Promise<CapCounter> {
  if (windows.length === 0 || customerIds.length === 0) return new CapCounter(windows, []);
  const since = windows.map((days) => new Date(now.getTime() - days * dayMs).toISOString());
  const oldest = since.reduce((a, b) => (a < b ? a : b));
  const counts = sql.join(since.map((s) => sql`count(*) FILTER (WHERE created_at > ${s}::timestamptz)::int`));
  const result = await sql<{ customer_id: number; channel: string | null; counts: number[] }>`
    SELECT customer_id, channel, ARRAY[${counts}] AS counts
    FROM messages
    WHERE workspace_id = ${workspaceId} AND customer_id = ANY(${customerIds}::bigint[])
      AND purpose = 'marketing' AND status IN ('queued', 'sent', 'delivered') AND created_at > ${oldest}::timestamptz
    GROUP BY customer_id, channel`.execute(trx);
  return new CapCounter(windows, result.rows);
}

async function loadSuppressed(trx: Trx, workspaceId: number, recipients: Iterable<Recipient>): Promise<Set<string>> {
  const channels: string[] = [];
  const addresses: string[] = [];
  for (const r of recipients) {
    for (const [channel, address] of Object.entries(r.addresses)) {
      channels.push(channel);
      addresses.push(address.toLowerCase());
    }
  }
  if (addresses.length === 0) return new Set();
  const rows = await sql<{ channel: string; address: string }>`
    SELECT s.channel, s.address FROM suppressions s
    JOIN unnest(${channels}::text[], ${addresses}::text[]) AS a (channel, address) ON a.channel = s.channel AND a.address = s.address
    WHERE s.workspace_id = ${workspaceId}`.execute(trx);
  return new Set(rows.rows.map((r) => `${r.channel}:${r.address}`));
}

async function evaluate(trx: Trx, workspace: Workspace, requests: readonly MessageRequest[], existing: ReadonlyMap<string, { id: number }>, now: Date): Promise<Row[]> {
  const { policy, linkSecret } = await loadContactPolicy(trx, workspace.id);
  const [providers, templates] = await Promise.all([loadProviders(trx, workspace.id), loadTemplates(trx, workspace.id, requests)]);
  const customerIds = requests.map((r) => r.customerId);
  const recipients = await loadRecipients(trx, workspace.id, customerIds, policy.preferredChannelAttribute);
  const suppressed = await loadSuppressed(trx, workspace.id, recipients.values());
  const windows = [...new Set([...policy.caps.global, ...Object.values(policy.caps.perChannel).flat()].map((r) => r.days))];
  const capped = requests.filter((r) => r.purpose === 'marketing' && !r.dryRun).map((r) => r.customerId);
  if (windows.length > 0 && capped.length > 0) {
    // Caps are counted under a per-customer lock, so two journeys sending at once cannot both take the last slot.
    const lockKeys = [...new Set(capped)].map((id) => `contact:${workspace.id}:${id}`);
    await sql`SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${lockKeys}::text[]) AS k) s ORDER BY h`.execute(trx);
  }
  const caps = await countCaps(trx, workspace.id, [...new Set(capped)], windows, now);
  const newIds = await allocateIds(trx, requests.filter((r) => !existing.has(r.idempotencyKey)).length);
  let next = 0;
  return requests.map((request) => {
    const id = existing.get(request.idempotencyKey)?.id ?? newIds[next++]!;
    return decide(request, id, recipients.get(request.customerId), { workspace, policy, providers, templates, suppressed, caps, linkSecret, now });
  });
}

async function allocateIds(trx: Trx, count: number): Promise<number[]> {
  if (count === 0) return [];
  // Ids are taken before the insert so that rendered links (unsubscribe) can name their message.
  const result = await sql<{ id: number }>`SELECT nextval(pg_get_serial_sequence('messages', 'id'))::bigint AS id FROM generate_series(1, ${count}::int)`.execute(trx);
  return result.rows.map((r) => Number(r.id));
}

interface DecideContext {
  readonly workspace: Workspace;
  readonly policy: ContactPolicy;
  readonly providers: Providers;
  readonly templates: ReadonlyMap<number, MessageContent>;
  readonly suppressed: ReadonlySet<string>;
  readonly caps: CapCounter;
  readonly linkSecret: string;
  readonly now: Date;
}

function decide(request: MessageRequest, id: number, recipient: Recipient | undefined, ctx: DecideContext): Row {
  const base = { request, id, channel: null, address: null, content: {}, nextAttemptAt: null } as const;
  const suppress = (reason: string, channel: ChannelKind | null = null): Row => ({ ...base, channel, status: 'suppressed', reason });
  if (!recipient) return suppress(`customer ${request.customerId} does not exist`);
  if (recipient.mergedInto !== null) return suppress(`customer ${request.customerId} was merged into ${recipient.mergedInto}`);
  const marketing = request.purpose === 'marketing';
  if (marketing && inGlobalControlShare(ctx.workspace.id, request.customerId, ctx.policy.globalControlShare)) return suppress('global control group');
  if (marketing && !request.dryRun) {
    const rule = ctx.caps.reached(request.customerId, '*', ctx.policy.caps.global);
    if (rule) return suppress(capReason(rule, '*'));
  }
  const refusals: string[] = [];
  let channel: ChannelKind | null = null;
  for (const candidate of channelCandidates(ctx.policy, request.channel, recipient.preferred)) {
    let refusal = channelRefusal(candidate, request, recipient, ctx.providers, ctx.suppressed);
    if (!refusal && marketing && !request.dryRun) {
      const rule = ctx.caps.reached(request.customerId, candidate, ctx.policy.caps.perChannel[candidate] ?? []);
      if (rule) refusal = capReason(rule, candidate);
    }
    if (!refusal) {
      channel = candidate;
      break;
    }
    refusals.push(refusal);
  }
  if (!channel) return suppress(refusals.join('; '), request.channel === 'preferred' ? null : request.channel);
  const address = recipient.addresses[channel]!;
  if (marketing && ctx.policy.quietHours) {
    // A profile's time zone comes from imports and SDKs; one the runtime does not know falls back to the workspace's.
    const zone = recipient.timezone && isValidTimeZone(recipient.timezone) ? recipient.timezone : ctx.workspace.timezone;
    const until = quietUntil(ctx.now, ctx.policy.quietHours, zone);
    if (until) {
      if (ctx.policy.quietHours.mode === 'skip') return suppress('quiet hours', channel);
      return { ...base, channel, address, status: 'held', reason: 'quiet hours', nextAttemptAt: until };
    }
  }
  let content: RenderedMessage;
  try {
    const source = 'templateId' in request.content ? ctx.templates.get(request.content.templateId) : request.content;
    if (!source) throw invalidInput(`Template ${(request.content as { templateId: number }).templateId} does not exist`);
    const email = ctx.providers.email;
    const scope: Record<string, unknown> = { ...recipient.scope, ...request.variables };
    if (channel === 'email' && email) {
      scope.unsubscribe_url = unsubscribeUrl(email.config.publicUrl, ctx.linkSecret, { workspaceId: ctx.workspace.id, customerId: request.customerId, messageId: id });
    }
    content = renderContent(source, scope);
  } catch (error) {
    if (!(error instanceof PatronError)) throw error;
    return { ...base, channel, address, status: 'failed', reason: error.message };
  }
  if (marketing && !request.dryRun) ctx.caps.add(request.customerId, channel);
  return { ...base, channel, address, content, status: request.dryRun ? 'dry_run' : 'queued', reason: request.dryRun ? 'dry run' : null, nextAttemptAt: request.dryRun ? null : ctx.now };
}

/** Writes the rows in one statement; a held row is re-evaluated in place. Returns the id written per key. */
async function writeRows(trx: Trx, workspaceId: number, rows: readonly Row[], now: Date): Promise<Map<string, number>> {
  const col = <T>(f: (row: Row) => T): T[] => rows.map(f);
  const result = await sql<{ id: number; idempotency_key: string }>`
    INSERT INTO messages (workspace_id, customer_id, id, idempotency_key, channel, purpose, status, reason, source_kind, source_id,
                          step_id, variant, address, content, next_attempt_at, created_at)
    SELECT ${workspaceId}, m.customer_id, m.id, m.key, m.channel, m.purpose, m.status, m.reason, m.source_kind, m.source_id,
           m.step_id, m.variant, m.address, m.content::jsonb, m.next_attempt_at, ${now.toISOString()}::timestamptz
    FROM unnest(${col((r) => r.request.customerId)}::bigint[], ${col((r) => r.id)}::bigint[], ${col((r) => r.request.idempotencyKey)}::text[],
                ${col((r) => r.channel)}::text[], ${col((r) => r.request.purpose)}::text[], ${col((r) => r.status)}::text[], ${col((r) => r.reason)}::text[],
                ${col((r) => r.request.source.kind)}::text[], ${col((r) => r.request.source.id)}::bigint[], ${col((r) => r.request.source.stepId ?? null)}::text[],
                ${col((r) => r.request.source.variant ?? null)}::text[], ${col((r) => r.address)}::text[], ${col((r) => JSON.stringify(r.content))}::text[],
                ${col((r) => r.nextAttemptAt?.toISOString() ?? null)}::timestamptz[])
      AS m (customer_id, id, key, channel, purpose, status, reason, source_kind, source_id, step_id, variant, address, content, next_attempt_at)
    ON CONFLICT (workspace_id, idempotency_key) DO UPDATE
      SET channel = excluded.channel, status = excluded.status, reason = excluded.reason, address = excluded.address,
          content = excluded.content, next_attempt_at = excluded.next_attempt_at, created_at = excluded.created_at
      WHERE messages.status = 'held'
    RETURNING id, idempotency_key`.execute(trx);
  return new Map(result.rows.map((r) => [r.idempotency_key, Number(r.id)]));
}
