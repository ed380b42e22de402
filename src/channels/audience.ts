import { sql, type Transaction } from 'kysely';
import type { ConsentChannel, ConsentPurpose, ConsentStatus, Database } from '../db/index.ts';
import { isChannelKind, type ChannelKind } from './types.ts';

type Trx = Transaction<Database>;

/** What the policy and the templates need to know about one customer. */
export interface Recipient {
  readonly customerId: number;
  readonly mergedInto: number | null;
  readonly timezone: string | null;
  readonly preferred: ChannelKind | null;
  /** Where each channel reaches the customer; webhook messages are addressed by customer id. */
  readonly addresses: Partial<Record<ChannelKind, string>>;
  readonly consents: ReadonlyMap<string, ConsentStatus>;
  /** Liquid variables: `customer` (profile fields, email, phone, attributes) and `scores` (customer_scores). */
  readonly scope: Record<string, unknown>;
}

/** Which identity type carries each channel's address. */
const addressIdentity: Record<Exclude<ChannelKind, 'webhook'>, string> = { email: 'email', sms: 'phone', wechat: 'wechat_openid' };

/** Which consent channel governs each delivery channel: a webhook feeds the workspace's own app (push). */
export const consentChannelOf: Record<ChannelKind, ConsentChannel> = { email: 'email', sms: 'sms', wechat: 'wechat', webhook: 'push' };

export function consentKey(channel: ConsentChannel, purpose: ConsentPurpose): string {
  return `${channel}:${purpose}`;
}

// Null fields are left out so that a template using them fails under strictVariables instead of printing a blank.
function withoutNulls(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined));
}

/** Loads the recipients of a batch with a fixed number of statements, whatever its size. */
export async function loadRecipients(trx: Trx, workspaceId: number, customerIds: readonly number[], preferredAttribute: string): Promise<Map<number, Recipient>> {
  const ids = [...new Set(customerIds)];
  const inIds = sql<boolean>`customer_id = ANY(${ids}::bigint[])`;
  const [customers, identities, consents, scores] = await Promise.all([
    trx
      .selectFrom('customers')
      .select(['id', 'name', 'gender', 'birthday', 'city', 'province', 'country', 'timezone', 'signed_up_at', 'attributes', 'merged_into'])
      .where('workspace_id', '=', workspaceId)
      .where(sql<boolean>`id = ANY(${ids}::bigint[])`)
      .execute(),
    trx
      .selectFrom('identities')
      .select(['customer_id', 'type', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where(inIds)
      .where('type', 'in', ['email', 'phone', 'wechat_openid'])
      .orderBy('first_seen_at', 'desc')
      .execute(),
    trx.selectFrom('consents').select(['customer_id', 'channel', 'purpose', 'status']).where('workspace_id', '=', workspaceId).where(inIds).execute(),
    trx.selectFrom('customer_scores').selectAll().where('workspace_id', '=', workspaceId).where(inIds).execute(),
  ]);
  const identitiesOf = new Map<number, Map<string, string>>();
  for (const row of identities) {
    const own = identitiesOf.get(row.customer_id) ?? new Map<string, string>();
    // Rows come newest first: the most recently seen address of a type wins.
    if (!own.has(row.type)) own.set(row.type, row.value);
    identitiesOf.set(row.customer_id, own);
  }
  const consentsOf = new Map<number, Map<string, ConsentStatus>>();
  for (const row of consents) {
    const own = consentsOf.get(row.customer_id) ?? new Map<string, ConsentStatus>();
    own.set(consentKey(row.channel, row.purpose), row.status);
    consentsOf.set(row.customer_id, own);
  }
  const scoresOf = new Map(scores.map((row) => {
    const { workspace_id: _w, customer_id: _c, run_id: _r, updated_at: _u, ...rest } = row;
    return [row.customer_id, withoutNulls(rest)] as const;
  }));
  const result = new Map<number, Recipient>();
  for (const c of customers) {
    const own = identitiesOf.get(c.id) ?? new Map<string, string>();
    const addresses: Partial<Record<ChannelKind, string>> = { webhook: String(c.id) };
    for (const [channel, type] of Object.entries(addressIdentity) as [ChannelKind, string][]) {
      const value = own.get(type);
      if (value) addresses[channel] = value;
    }
    const attributes = (c.attributes ?? {}) as Record<string, unknown>;
    const preferred = attributes[preferredAttribute];
    const customer = withoutNulls({
      id: c.id,
      name: c.name,
      gender: c.gender,
      birthday: c.birthday,
      city: c.city,
      province: c.province,
      country: c.country,
      timezone: c.timezone,
      signed_up_at: c.signed_up_at?.toISOString() ?? null,
      email: own.get('email') ?? null,
      phone: own.get('phone') ?? null,
      attributes,
    });
    const customerScores = scoresOf.get(c.id);
    result.set(c.id, {
      customerId: c.id,
      mergedInto: c.merged_into,
      timezone: c.timezone,
      preferred: isChannelKind(preferred) ? preferred : null,
      addresses,
      consents: consentsOf.get(c.id) ?? new Map(),
      scope: { customer, ...(customerScores ? { scores: customerScores } : {}) },
    });
  }
  return result;
}
