import type { Kysely } from 'kysely';
import type { Database, JsonObject } from '../db/index.ts';
import { fieldCatalogue } from './catalogue.ts';
import { isGroup, type AttributeCondition, type Condition, type FieldCondition, type PropertyFilter, type Rule, type RuleNode, type Window } from './rule.ts';

// The test oracle for the rule compiler: the same rule language evaluated in memory over raw rows, written
// without the compiler's SQL so that the property tests compare two independent readings of every rule.
// Lifetime order figures come from raw orders here (the compiler reads customer_stats). Time zones with a
// fixed offset only (tests use Asia/Shanghai, UTC+8), so calendar days are plain offset arithmetic.

interface RefOrder {
  at: number;
  kept: boolean;
  amount: number;
  channel: string | null;
  store: string | null;
  skus: (string | null)[];
  categories: (string | null)[];
}
interface RefEvent {
  name: string | null;
  at: number;
  properties: JsonObject;
}
interface RefCustomer {
  id: number;
  profile: Record<string, unknown>;
  attributes: JsonObject;
  scores: Record<string, unknown> | undefined;
  churnRisk: boolean;
  tags: Set<string>;
  identityTypes: Set<string>;
  consents: Map<string, string>;
  orders: RefOrder[];
  events: RefEvent[];
}
export interface ReferenceData {
  readonly customers: RefCustomer[];
  readonly segments: Map<number, { kind: 'dynamic' | 'static'; rule: Rule; members: Set<number> }>;
  readonly currencyDigits: number;
  readonly offsetMinutes: number;
}

/** Loads a workspace's raw rows for the oracle. */
export async function loadReferenceData(db: Kysely<Database>, workspaceId: number, segments: ReferenceData['segments'], offsetMinutes: number): Promise<ReferenceData> {
  const customers = await db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('merged_into', 'is', null).execute();
  const byId = new Map<number, RefCustomer>();
  for (const c of customers) {
    byId.set(c.id, {
      id: c.id,
      profile: { ...c, first_seen_at: c.created_at },
      attributes: c.attributes,
      scores: undefined,
      churnRisk: false,
      tags: new Set(),
      identityTypes: new Set(),
      consents: new Map(),
      orders: [],
      events: [],
    });
  }
  for (const s of await db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', workspaceId).execute()) {
    const c = byId.get(s.customer_id);
    if (c) c.scores = s as unknown as Record<string, unknown>;
  }
  const run = await db
    .selectFrom('score_runs')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .where('finished_at', 'is not', null)
    .where('kind', '<>', 'targeted')
    .executeTakeFirst();
  if (run?.id != null) {
    for (const w of await db.selectFrom('churn_warnings').select('customer_id').where('workspace_id', '=', workspaceId).where('run_id', '=', Number(run.id)).execute()) {
      const c = byId.get(w.customer_id);
      if (c) c.churnRisk = true;
    }
  }
  const tags = await db
    .selectFrom('customer_tags as ct')
    .innerJoin('tags as t', (j) => j.onRef('t.workspace_id', '=', 'ct.workspace_id').onRef('t.id', '=', 'ct.tag_id'))
    .select(['ct.customer_id', 't.name'])
    .where('ct.workspace_id', '=', workspaceId)
    .execute();
  for (const t of tags) byId.get(t.customer_id)?.tags.add(t.name);
  for (const i of await db.selectFrom('identities').select(['customer_id', 'type']).where('workspace_id', '=', workspaceId).execute()) {
    byId.get(i.customer_id)?.identityTypes.add(i.type);
  }
  for (const k of await db.selectFrom('consents').selectAll().where('workspace_id', '=', workspaceId).execute()) {
    byId.get(k.customer_id)?.consents.set(`${k.channel}:${k.purpose}`, k.status);
  }
  const items = await db.selectFrom('order_items').select(['order_id', 'sku', 'category']).where('workspace_id', '=', workspaceId).execute();
  const itemsByOrder = new Map<number, { sku: string | null; category: string | null }[]>();
  for (const item of items) itemsByOrder.set(item.order_id, [...(itemsByOrder.get(item.order_id) ?? []), item]);
  for (const o of await db.selectFrom('orders').selectAll().where('workspace_id', '=', workspaceId).execute()) {
    const c = o.customer_id === null ? undefined : byId.get(o.customer_id);
    if (!c) continue;
    const lines = itemsByOrder.get(o.id) ?? [];
    c.orders.push({
      at: o.ordered_at.getTime(),
      kept: o.status !== 'cancelled' && o.total_minor > o.refunded_minor,
      amount: o.total_minor - o.refunded_minor,
      channel: o.channel,
      store: o.store,
      skus: lines.map((l) => l.sku),
      categories: lines.map((l) => l.category),
    });
  }
  for (const e of await db.selectFrom('events').select(['customer_id', 'name', 'occurred_at', 'properties']).where('workspace_id', '=', workspaceId).execute()) {
    const c = e.customer_id === null ? undefined : byId.get(e.customer_id);
    c?.events.push({ name: e.name, at: e.occurred_at.getTime(), properties: e.properties });
  }
  return { customers: [...byId.values()], segments, currencyDigits: 2, offsetMinutes };
}

/** The ids of the customers matching a rule at `now`. */
export function evaluateReference(rule: Rule, data: ReferenceData, now: Date): Set<number> {
  const out = new Set<number>();
  for (const c of data.customers) if (holdsNode(rule.root, c, data, now.getTime())) out.add(c.id);
  return out;
}

function holdsNode(node: RuleNode, c: RefCustomer, data: ReferenceData, now: number): boolean {
  if (isGroup(node)) {
    const results = node.children.map((child) => holdsNode(child, c, data, now));
    if (node.type === 'all') return results.every(Boolean);
    if (node.type === 'any') return results.some(Boolean);
    return !results.some(Boolean);
  }
  return holdsCondition(node, c, data, now);
}

const dayMs = 86_400_000;
const localDay = (t: number, data: ReferenceData) => new Date(t + data.offsetMinutes * 60_000).toISOString().slice(0, 10);
const dayStart = (day: string, data: ReferenceData) => Date.parse(`${day}T00:00:00Z`) - data.offsetMinutes * 60_000;
const plusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * dayMs).toISOString().slice(0, 10);
function minusMonths(day: string, n: number): string {
  let [y, m] = day.split('-').map(Number) as [number, number];
  const d = Number(day.slice(8));
  m -= n;
  while (m < 1) {
    m += 12;
    y -= 1;
  }
  while (m > 12) {
    m -= 12;
    y += 1;
  }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
function sinceInstant(now: number, amount: number, unit: string, data: ReferenceData): number {
  if (unit === 'hours') return now - amount * 3_600_000;
  if (unit === 'days') return now - amount * dayMs;
  if (unit === 'weeks') return now - amount * 7 * dayMs;
  const today = localDay(now, data);
  return now - (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${minusMonths(today, amount)}T00:00:00Z`));
}
function sinceDay(today: string, amount: number, unit: string): string {
  if (unit === 'months') return minusMonths(today, amount);
  if (unit === 'weeks') return plusDays(today, -7 * amount);
  if (unit === 'days') return plusDays(today, -amount);
  return plusDays(today, -Math.floor(amount / 24));
}
const minor = (major: number, data: ReferenceData) => Math.round(major * 10 ** data.currencyDigits);

function inWindow(t: number, window: Window | undefined, data: ReferenceData, now: number): boolean {
  if (!window) return true;
  if ('last' in window) return t >= sinceInstant(now, window.last, window.unit, data) && t <= now;
  return t >= dayStart(window.from, data) && t < dayStart(plusDays(window.to, 1), data);
}

function numberOf(json: unknown): number | null {
  if (typeof json === 'number') return json;
  if (typeof json === 'string' && /^-?[0-9]{1,15}(\.[0-9]{1,15})?$/.test(json)) return Number(json);
  return null;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function propertyHolds(filter: PropertyFilter, properties: JsonObject): boolean {
  const has = Object.hasOwn(properties, filter.property);
  const v = has ? properties[filter.property] : undefined;
  switch (filter.op) {
    case 'exists':
      return has && v !== null;
    case 'eq':
      return has && jsonEqual(v, filter.value);
    case 'neq':
      return !(has && jsonEqual(v, filter.value));
    case 'in':
      return has && (filter.value as unknown[]).some((x) => jsonEqual(v, x));
    case 'contains':
      return typeof v === 'string' && v.toLowerCase().includes((filter.value as string).toLowerCase());
    default: {
      const n = has ? numberOf(v) : null;
      if (n === null) return false;
      const x = filter.value as number;
      return filter.op === 'gt' ? n > x : filter.op === 'gte' ? n >= x : filter.op === 'lt' ? n < x : n <= x;
    }
  }
}

function compare(v: unknown, op: string, value: unknown, kind: 'text' | 'number' | 'timestamp' | 'date', data: ReferenceData, now: number): boolean {
  const set = v !== null && v !== undefined;
  switch (op) {
    case 'is_set':
      return set;
    case 'is_not_set':
      return !set;
    case 'eq':
      return set && v === value;
    case 'neq':
      return !(set && v === value);
    case 'in':
      return set && (value as unknown[]).includes(v);
    case 'not_in':
      return !(set && (value as unknown[]).includes(v));
    case 'contains':
      return set && (v as string).toLowerCase().includes((value as string).toLowerCase());
    case 'not_contains':
      return !(set && (v as string).toLowerCase().includes((value as string).toLowerCase()));
    case 'starts_with':
      return set && (v as string).toLowerCase().startsWith((value as string).toLowerCase());
    case 'gt':
      return set && (v as number) > (value as number);
    case 'gte':
      return set && (v as number) >= (value as number);
    case 'lt':
      return set && (v as number) < (value as number);
    case 'lte':
      return set && (v as number) <= (value as number);
  }
  if (!set) return false;
  if (kind === 'number' || kind === 'text') {
    const [lo, hi] = value as [number, number];
    return (v as number) >= lo && (v as number) <= hi;
  }
  // Dates: compare calendar days (date) or instants (timestamp).
  const today = localDay(now, data);
  const t = kind === 'timestamp' ? (v as Date).getTime() : 0;
  const d = kind === 'date' ? (v as string) : '';
  const before = (day: string) => (kind === 'timestamp' ? t < dayStart(day, data) : d < day);
  const atOrAfter = (day: string) => (kind === 'timestamp' ? t >= dayStart(day, data) : d >= day);
  switch (op) {
    case 'before':
      return before(value as string);
    case 'after':
      return atOrAfter(plusDays(value as string, 1));
    case 'between': {
      const [from, to] = value as [string, string];
      return atOrAfter(from) && before(plusDays(to, 1));
    }
    case 'in_last':
    case 'not_in_last':
    case 'in_next': {
      const { amount, unit } = value as { amount: number; unit: string };
      if (kind === 'timestamp') {
        if (op === 'in_next') return t > now && t <= now + (unit === 'months' ? monthsAhead(now, amount, data) : now - sinceInstant(now, amount, unit, data));
        const since = sinceInstant(now, amount, unit, data);
        return op === 'in_last' ? t >= since && t <= now : t < since;
      }
      if (op === 'in_next') return d > today && d <= (unit === 'months' ? minusMonths(today, -amount) : sinceDay(today, -amount, unit));
      const since = sinceDay(today, amount, unit);
      return op === 'in_last' ? d >= since && d <= today : d < since;
    }
    case 'anniversary_in_next': {
      const monthDay = kind === 'timestamp' ? localDay(t, data).slice(5) : d.slice(5);
      for (let i = 0; i <= (value as number); i += 1) {
        const day = plusDays(today, i);
        if (day.slice(5) === monthDay) return true;
        const year = Number(day.slice(0, 4));
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        if (monthDay === '02-29' && day.slice(5) === '02-28' && !leap) return true;
      }
      return false;
    }
  }
  throw new Error(`reference: unhandled operator ${op}`);
}

function monthsAhead(now: number, amount: number, data: ReferenceData): number {
  const today = localDay(now, data);
  return Date.parse(`${minusMonths(today, -amount)}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`);
}

function fieldValue(condition: FieldCondition, c: RefCustomer): unknown {
  const kept = c.orders.filter((o) => o.kept).sort((a, b) => a.at - b.at);
  switch (condition.field) {
    case 'order_count':
      return kept.length;
    case 'total_spent':
      return kept.reduce((s, o) => s + o.amount, 0);
    case 'first_order_at':
      return kept.length > 0 ? new Date(kept[0]!.at) : null;
    case 'last_order_at':
      return kept.length > 0 ? new Date(kept[kept.length - 1]!.at) : null;
    case 'last_order_channel':
      return kept.length > 0 ? kept[kept.length - 1]!.channel : null;
    case 'last_order_store':
      return kept.length > 0 ? kept[kept.length - 1]!.store : null;
  }
  const definition = fieldCatalogue[condition.field];
  const column = definition.column.split('.')[1]!;
  if (definition.source === 'scores') return c.scores?.[column] ?? null;
  return c.profile[condition.field === 'first_seen_at' ? 'first_seen_at' : column] ?? null;
}

function attributeValue(condition: AttributeCondition, c: RefCustomer): unknown {
  if (!Object.hasOwn(c.attributes, condition.key)) return null;
  const v = c.attributes[condition.key];
  if (condition.type === 'text') return typeof v === 'string' ? v : null;
  if (condition.type === 'number') return numberOf(v);
  return typeof v === 'boolean' ? v : null;
}

function holdsCondition(condition: Condition, c: RefCustomer, data: ReferenceData, now: number): boolean {
  switch (condition.kind) {
    case 'field': {
      if (condition.field === 'churn_risk') return condition.op === 'is_true' ? c.churnRisk : !c.churnRisk;
      const definition = fieldCatalogue[condition.field];
      const money = definition.type === 'money';
      const toMinor = (v: unknown) => (money && typeof v === 'number' ? minor(v, data) : v);
      const value = Array.isArray(condition.value) && money ? condition.value.map(toMinor) : toMinor(condition.value);
      const kind = definition.type === 'timestamp' || definition.type === 'date' ? definition.type : definition.type === 'number' || money ? 'number' : 'text';
      return compare(fieldValue(condition, c), condition.op, value, kind, data, now);
    }
    case 'attribute': {
      const v = attributeValue(condition, c);
      if (condition.type === 'boolean') return condition.op === 'is_true' ? v === true : v === false;
      return compare(v, condition.op, condition.value, condition.type === 'number' ? 'number' : 'text', data, now);
    }
    case 'tag':
      return condition.op === 'has' ? c.tags.has(condition.tag) : !c.tags.has(condition.tag);
    case 'identity':
      return condition.op === 'present' ? c.identityTypes.has(condition.type) : !c.identityTypes.has(condition.type);
    case 'consent': {
      const status = c.consents.get(`${condition.channel}:${condition.purpose}`);
      return condition.op === 'opted_in' ? status === 'opted_in' : condition.op === 'opted_out' ? status === 'opted_out' : status !== 'opted_in';
    }
    case 'event': {
      const n = c.events.filter((e) => e.name === condition.name && inWindow(e.at, condition.window, data, now) && (condition.where ?? []).every((f) => propertyHolds(f, e.properties))).length;
      if (condition.op === 'did_not') return n === 0;
      return n >= (condition.atLeast ?? 1) && (condition.atMost === undefined || n <= condition.atMost);
    }
    case 'orders': {
      const orders = c.orders.filter(
        (o) =>
          o.kept &&
          inWindow(o.at, condition.window, data, now) &&
          (!condition.channels || (o.channel !== null && condition.channels.includes(o.channel))) &&
          (!condition.stores || (o.store !== null && condition.stores.includes(o.store))),
      );
      const n = orders.length;
      const total = orders.reduce((s, o) => s + o.amount, 0);
      const measure = condition.measure === 'count' ? n : condition.measure === 'total_spent' ? total : n === 0 ? null : total / n;
      const toMinor = (v: number) => (condition.measure === 'count' ? v : minor(v, data));
      const value = Array.isArray(condition.value) ? condition.value.map(toMinor) : toMinor(condition.value as number);
      return compare(measure, condition.op, value, 'number', data, now);
    }
    case 'purchased': {
      const bought = c.orders.some(
        (o) =>
          o.kept &&
          inWindow(o.at, condition.window, data, now) &&
          (o.skus.some((s) => s !== null && (condition.skus ?? []).includes(s)) || o.categories.some((k) => k !== null && (condition.categories ?? []).includes(k))),
      );
      return condition.op === 'did' ? bought : !bought;
    }
    case 'segment': {
      const segment = data.segments.get(condition.segmentId)!;
      const member = segment.kind === 'static' ? segment.members.has(c.id) : holdsNode(segment.rule.root, c, data, now);
      return condition.op === 'member' ? member : !member;
    }
  }
}
