import { sql, type RawBuilder } from 'kysely';
import { assertNever, PatronError } from '../lib/errors.ts';
import { toMinorUnits } from '../lib/money.ts';
import { fieldCatalogue, type FieldDefinition } from './catalogue.ts';
import {
  formatPath,
  isGroup,
  type AttributeCondition,
  type Condition,
  type EventCondition,
  type FieldCondition,
  type Group,
  type OrdersCondition,
  type PropertyFilter,
  type PurchasedCondition,
  type Rule,
  type RuleNode,
  type Scalar,
  type Window,
} from './rule.ts';
import { dayInZone, monthDaysAhead, shiftDay, shiftInstant, startOfDayInZone, addDays, type TimeUnit } from './time.ts';

// Compiles a rule to one SQL statement over the live profiles of a workspace. Profile fields, scores and
// lifetime order figures are columns of customers (c), customer_scores (sc) and customer_stats (st).
// Every other condition becomes a LEFT JOIN to a per-customer set or aggregate (j1, j2, …: one row per
// customer at most), so each condition is a plain expression that works the same under AND, OR and NOT,
// and the planner answers it with one hash join instead of a lookup per customer. Every value is a bound
// parameter; the only identifiers are the catalogue's and the generated aliases.

/** What a segment's rule reads; a change to one of these re-checks the segments that read it. */
export type Read = 'profile' | 'scores' | 'orders' | 'tags' | 'identities' | 'consent' | `event:${string}` | `segment:${number}`;

/** A saved segment as the compiler needs it, for `segment` conditions. */
export interface ReferencedSegment {
  readonly id: number;
  readonly name: string;
  readonly kind: 'dynamic' | 'static';
  readonly rule: Rule;
}

export interface CompileContext {
  readonly workspaceId: number;
  readonly currency: string;
  readonly timezone: string;
  readonly now: Date;
  /** Loads a saved segment of the workspace, for `segment` conditions (undefined: it does not exist). */
  readonly loadSegment: (id: number) => Promise<ReferencedSegment | undefined>;
  /** When set, only these customers are considered (incremental re-checks, "why"). */
  readonly customerIds?: readonly number[];
  /** The segment being compiled, so a rule that refers back to it is a cycle. */
  readonly selfId?: number;
  /** Compiling for "why": every condition must be readable for the customer, so no join may drop the row. */
  readonly explaining?: boolean;
  /** Prefix of the generated names (default "j"), so several rules can share one statement. */
  readonly aliasPrefix?: string;
}

/** A compiled condition: whether it holds (never NULL) and the value it looked at, for "why". */
export interface CompiledCondition {
  readonly kind: 'condition';
  readonly path: string;
  readonly condition: Condition;
  readonly holds: RawBuilder<boolean>;
  readonly observed: RawBuilder<unknown>;
}
export interface CompiledGroup {
  readonly kind: 'group';
  readonly path: string;
  readonly type: Group['type'];
  readonly children: readonly CompiledNode[];
  /** For a segment condition whose rule was inlined: the referenced segment. */
  readonly segment?: { readonly id: number; readonly name: string };
}
export type CompiledNode = CompiledCondition | CompiledGroup;

export interface CompiledRule {
  readonly tree: CompiledNode;
  readonly predicate: RawBuilder<boolean>;
  /** The per-customer sets the rule reads, as `name AS MATERIALIZED (…)` for a WITH clause (see withRule). */
  readonly ctes: readonly RawBuilder<unknown>[];
  readonly joins: readonly RawBuilder<unknown>[];
  readonly reads: ReadonlySet<Read>;
  /** True when membership can change by the passing of time alone ("no order in 90 days"). */
  readonly timeDependent: boolean;
}

interface State {
  readonly ctx: CompileContext;
  readonly ctes: RawBuilder<unknown>[];
  readonly joins: RawBuilder<unknown>[];
  readonly reads: Set<Read>;
  timeDependent: boolean;
  readonly segmentStack: number[];
  churnJoin?: string;
  /** True while compiling a node every ancestor of which is an "all" (or a one-child "any"): its failure fails the rule. */
  conjunctive: boolean;
}

/** Compiles a validated rule. Throws invalid_input for a reference to a missing segment or a cycle. */
export async function compileRule(rule: Rule, ctx: CompileContext): Promise<CompiledRule> {
  const state: State = { ctx, ctes: [], joins: [], reads: new Set(), timeDependent: false, segmentStack: ctx.selfId === undefined ? [] : [ctx.selfId], conjunctive: !ctx.explaining };
  const tree = await compileNode(rule.root, 'root', state);
  return { tree, predicate: predicateOf(tree), ctes: state.ctes, joins: state.joins, reads: state.reads, timeDependent: state.timeDependent };
}

/** `WITH …` for the sets a rule reads, followed by `more` (empty when there is nothing to say). */
export function withRule(compiled: readonly CompiledRule[], more: readonly RawBuilder<unknown>[] = []): RawBuilder<unknown> {
  const all = [...compiled.flatMap((c) => c.ctes), ...more];
  return all.length === 0 ? sql`` : sql`WITH ${sql.join(all)}`;
}

/** The FROM … WHERE part shared by every statement over a rule's members (alias c is the customer); the statement starts with withRule. */
export function membersFrom(compiled: CompiledRule, ctx: Pick<CompileContext, 'workspaceId' | 'customerIds'>): RawBuilder<unknown> {
  const scope = ctx.customerIds ? sql`AND c.id = ANY(${[...ctx.customerIds]}::bigint[])` : sql``;
  return sql`FROM customers c
    LEFT JOIN customer_scores sc ON sc.workspace_id = c.workspace_id AND sc.customer_id = c.id
    LEFT JOIN customer_stats st ON st.workspace_id = c.workspace_id AND st.customer_id = c.id
    ${sql.join(compiled.joins, sql` `)}
    WHERE c.workspace_id = ${ctx.workspaceId} AND c.merged_into IS NULL ${scope} AND ${compiled.predicate}`;
}

function predicateOf(node: CompiledNode): RawBuilder<boolean> {
  if (node.kind === 'condition') return node.holds;
  const parts = node.children.map(predicateOf);
  const joined = parts.length === 1 ? parts[0]! : sql<boolean>`(${sql.join(parts, node.type === 'all' ? sql` AND ` : sql` OR `)})`;
  return node.type === 'none' ? sql<boolean>`NOT ${joined}` : joined;
}

async function compileNode(node: RuleNode, path: string, state: State): Promise<CompiledNode> {
  if (isGroup(node)) {
    const outer = state.conjunctive;
    state.conjunctive = outer && (node.type === 'all' || (node.type === 'any' && node.children.length === 1));
    const children: CompiledNode[] = [];
    for (const [i, child] of node.children.entries()) children.push(await compileNode(child, `${path}.${node.type}[${i}]`, state));
    state.conjunctive = outer;
    return { kind: 'group', path, type: node.type, children };
  }
  if (node.kind === 'segment') return compileSegmentReference(node.segmentId, node.op === 'not_member', path, state);
  const { holds, observed } = compileCondition(node, state);
  return { kind: 'condition', path, condition: node, holds: sql<boolean>`coalesce(${holds}, false)`, observed };
}

async function compileSegmentReference(segmentId: number, negate: boolean, path: string, state: State): Promise<CompiledNode> {
  const ruleRoot = formatPath(['rule']);
  if (state.segmentStack.includes(segmentId)) {
    const chain = [...state.segmentStack.slice(state.segmentStack.indexOf(segmentId)), segmentId].join(' → ');
    throw new PatronError('invalid_input', `${ruleRoot}.${path}.segmentId: segments would refer to each other in a cycle (${chain})`, {
      path: ['rule', ...path.split('.'), 'segmentId'],
      value: segmentId,
    });
  }
  const segment = await state.ctx.loadSegment(segmentId);
  if (!segment) {
    throw new PatronError('invalid_input', `${ruleRoot}.${path}.segmentId: segment ${segmentId} does not exist`, { path: ['rule', ...path.split('.'), 'segmentId'], value: segmentId });
  }
  if (segment.kind === 'static') {
    // A static segment is a snapshot: membership is what was stored, not what its rule says today.
    state.reads.add(`segment:${segment.id}`);
    const alias = addJoin(
      state,
      sql`SELECT customer_id FROM segment_memberships WHERE workspace_id = ${state.ctx.workspaceId} AND segment_id = ${segment.id} AND exited_at IS NULL ${scopeFilter(state, sql.ref('customer_id'))}`,
      !negate,
    );
    const member = sql<boolean>`${sql.ref(`${alias}.customer_id`)} IS NOT NULL`;
    const condition: Condition = { kind: 'segment', op: negate ? 'not_member' : 'member', segmentId };
    return { kind: 'condition', path, condition, holds: negate ? sql<boolean>`NOT ${member}` : member, observed: member };
  }
  // A dynamic segment is its rule: inlining it keeps the answer exact and lets "why" show the inner conditions.
  state.segmentStack.push(segment.id);
  const outer = state.conjunctive;
  state.conjunctive = outer && !negate;
  const inner = await compileNode(segment.rule.root, path, state);
  state.conjunctive = outer;
  state.segmentStack.pop();
  return { kind: 'group', path, type: negate ? 'none' : 'all', children: [inner], segment: { id: segment.id, name: segment.name } };
}

function scopeFilter(state: State, column: RawBuilder<unknown>): RawBuilder<unknown> {
  return state.ctx.customerIds ? sql`AND ${column} = ANY(${[...state.ctx.customerIds]}::bigint[])` : sql``;
}

/**
 * Adds a per-customer set to the statement: computed once (a MATERIALIZED common table expression, so a
 * misestimated row count can never make the planner re-run it per customer) and joined on the customer.
 * `requiresRow` says the condition fails for a customer without a row there; when such a condition must
 * hold for the rule to hold (a conjunctive position), the join is an inner join, so the planner may start
 * from that set (say, the few with two orders in 90 days) instead of every customer.
 */
function addJoin(state: State, subquery: RawBuilder<unknown>, requiresRow: boolean): string {
  const alias = `${state.ctx.aliasPrefix ?? 'j'}${state.joins.length + 1}`;
  const join = requiresRow && state.conjunctive ? sql`JOIN` : sql`LEFT JOIN`;
  state.ctes.push(sql`${sql.raw(alias)} AS MATERIALIZED (${subquery})`);
  state.joins.push(sql`${join} ${sql.raw(alias)} ON ${sql.ref(`${alias}.customer_id`)} = c.id`);
  return alias;
}

interface Compiled {
  readonly holds: RawBuilder<boolean>;
  readonly observed: RawBuilder<unknown>;
}

function compileCondition(condition: Exclude<Condition, { kind: 'segment' }>, state: State): Compiled {
  switch (condition.kind) {
    case 'field':
      return compileField(condition, state);
    case 'attribute':
      state.reads.add('profile');
      return compileAttribute(condition, state);
    case 'tag': {
      state.reads.add('tags');
      const alias = addJoin(
        state,
        sql`SELECT ct.customer_id FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
            WHERE ct.workspace_id = ${state.ctx.workspaceId} AND t.name = ${condition.tag} ${scopeFilter(state, sql.ref('ct.customer_id'))}`,
        condition.op === 'has',
      );
      const has = sql<boolean>`${sql.ref(`${alias}.customer_id`)} IS NOT NULL`;
      return { holds: condition.op === 'has' ? has : sql<boolean>`NOT ${has}`, observed: has };
    }
    case 'identity': {
      state.reads.add('identities');
      const alias = addJoin(
        state,
        sql`SELECT DISTINCT customer_id FROM identities WHERE workspace_id = ${state.ctx.workspaceId} AND type = ${condition.type} ${scopeFilter(state, sql.ref('customer_id'))}`,
        condition.op === 'present',
      );
      const present = sql<boolean>`${sql.ref(`${alias}.customer_id`)} IS NOT NULL`;
      return { holds: condition.op === 'present' ? present : sql<boolean>`NOT ${present}`, observed: present };
    }
    case 'consent': {
      state.reads.add('consent');
      const alias = addJoin(
        state,
        sql`SELECT customer_id, status FROM consents WHERE workspace_id = ${state.ctx.workspaceId} AND channel = ${condition.channel} AND purpose = ${condition.purpose} ${scopeFilter(state, sql.ref('customer_id'))}`,
        condition.op !== 'not_opted_in',
      );
      const status = sql.ref(`${alias}.status`);
      const holds =
        condition.op === 'opted_in'
          ? sql<boolean>`${status} = 'opted_in'`
          : condition.op === 'opted_out'
            ? sql<boolean>`${status} = 'opted_out'`
            : sql<boolean>`${status} IS DISTINCT FROM 'opted_in'`;
      return { holds, observed: sql`coalesce(${status}, 'unknown')` };
    }
    case 'event':
      return compileEvent(condition, state);
    case 'orders':
      return compileOrders(condition, state);
    case 'purchased':
      return compilePurchased(condition, state);
    default:
      return assertNever(condition, 'condition');
  }
}

function compileField(condition: FieldCondition, state: State): Compiled {
  const definition: FieldDefinition = fieldCatalogue[condition.field];
  state.reads.add(definition.source);
  if (condition.field === 'churn_risk') {
    // On the churn early warning of the latest finished scoring run.
    state.churnJoin ??= addJoin(
      state,
      sql`SELECT customer_id FROM churn_warnings
          WHERE workspace_id = ${state.ctx.workspaceId}
            AND run_id = (SELECT max(id) FROM score_runs WHERE workspace_id = ${state.ctx.workspaceId} AND finished_at IS NOT NULL AND kind <> 'targeted')
            ${scopeFilter(state, sql.ref('customer_id'))}`,
      condition.op === 'is_true',
    );
    const flagged = sql<boolean>`${sql.ref(`${state.churnJoin}.customer_id`)} IS NOT NULL`;
    return { holds: condition.op === 'is_true' ? flagged : sql<boolean>`NOT ${flagged}`, observed: flagged };
  }
  const column = definition.zeroWhenMissing ? sql`coalesce(${sql.ref(definition.column)}, 0)` : sql.ref(definition.column);
  const value = definition.type === 'money' ? moneyValue(condition.value, state) : condition.value;
  const holds = compareValue(column, definition.type, condition.op, value, state);
  return { holds, observed: column };
}

function moneyValue(value: FieldCondition['value'], state: State): FieldCondition['value'] {
  if (typeof value === 'number') return toMinorUnits(value, state.ctx.currency);
  if (Array.isArray(value)) return value.map((v: Scalar) => toMinorUnits(v as number, state.ctx.currency));
  return value;
}

/** A comparison of an expression of a given type with a validated value. Negative operators match missing values. */
function compareValue(expr: RawBuilder<unknown>, type: FieldDefinition['type'], op: string, value: FieldCondition['value'], state: State): RawBuilder<boolean> {
  const numeric = type === 'number' || type === 'money';
  const cast = (v: Scalar) => (numeric ? sql`${v}::numeric` : sql`${v}::text`);
  switch (op) {
    case 'is_set':
      return sql<boolean>`${expr} IS NOT NULL`;
    case 'is_not_set':
      return sql<boolean>`${expr} IS NULL`;
    case 'eq':
      return sql<boolean>`${expr} = ${cast(value as Scalar)}`;
    case 'neq':
      return sql<boolean>`${expr} IS DISTINCT FROM ${cast(value as Scalar)}`;
    case 'in':
      return sql<boolean>`${expr} = ANY(${[...(value as Scalar[])]}::${sql.raw(numeric ? 'numeric[]' : 'text[]')})`;
    case 'not_in':
      return sql<boolean>`NOT coalesce(${expr} = ANY(${[...(value as Scalar[])]}::${sql.raw(numeric ? 'numeric[]' : 'text[]')}), false)`;
    case 'contains':
      return sql<boolean>`strpos(lower(${expr}), lower(${value as string}::text)) > 0`;
    case 'not_contains':
      return sql<boolean>`NOT coalesce(strpos(lower(${expr}), lower(${value as string}::text)) > 0, false)`;
    case 'starts_with':
      return sql<boolean>`starts_with(lower(${expr}), lower(${value as string}::text))`;
    case 'gt':
      return sql<boolean>`${expr} > ${cast(value as number)}`;
    case 'gte':
      return sql<boolean>`${expr} >= ${cast(value as number)}`;
    case 'lt':
      return sql<boolean>`${expr} < ${cast(value as number)}`;
    case 'lte':
      return sql<boolean>`${expr} <= ${cast(value as number)}`;
    case 'between': {
      const [low, high] = value as [Scalar, Scalar];
      if (type === 'date' || type === 'timestamp') return dateRange(expr, type, low as string, addDays(high as string, 1), state);
      return sql<boolean>`${expr} BETWEEN ${cast(low)} AND ${cast(high)}`;
    }
    case 'before':
      return dateRange(expr, type, undefined, value as string, state);
    case 'after':
      return dateRange(expr, type, addDays(value as string, 1), undefined, state);
    case 'in_last':
    case 'not_in_last':
    case 'in_next':
      return relativeDate(expr, type, op, value as { amount: number; unit: TimeUnit }, state);
    case 'anniversary_in_next': {
      state.timeDependent = true;
      const today = dayInZone(state.ctx.now, state.ctx.timezone);
      const local = type === 'timestamp' ? sql`(${expr} AT TIME ZONE ${state.ctx.timezone})` : expr;
      return sql<boolean>`to_char(${local}, 'MM-DD') = ANY(${monthDaysAhead(today, value as number)}::text[])`;
    }
    default:
      throw new Error(`Unhandled operator ${op}`);
  }
}

/** `from` ≤ value < `to`, in calendar days of the workspace (timestamps compare with the instants those days begin). */
function dateRange(expr: RawBuilder<unknown>, type: FieldDefinition['type'], from: string | undefined, to: string | undefined, state: State): RawBuilder<boolean> {
  const bound = (day: string) => (type === 'timestamp' ? sql`${startOfDayInZone(day, state.ctx.timezone).toISOString()}::timestamptz` : sql`${day}::date`);
  const parts = [...(from ? [sql`${expr} >= ${bound(from)}`] : []), ...(to ? [sql`${expr} < ${bound(to)}`] : [])];
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

function relativeDate(expr: RawBuilder<unknown>, type: FieldDefinition['type'], op: string, value: { amount: number; unit: TimeUnit }, state: State): RawBuilder<boolean> {
  state.timeDependent = true;
  const { now, timezone } = state.ctx;
  if (type === 'timestamp') {
    const nowParam = sql`${now.toISOString()}::timestamptz`;
    if (op === 'in_next') return sql<boolean>`(${expr} > ${nowParam} AND ${expr} <= ${shiftInstant(now, -value.amount, value.unit, timezone).toISOString()}::timestamptz)`;
    const since = sql`${shiftInstant(now, value.amount, value.unit, timezone).toISOString()}::timestamptz`;
    return op === 'in_last' ? sql<boolean>`(${expr} >= ${since} AND ${expr} <= ${nowParam})` : sql<boolean>`${expr} < ${since}`;
  }
  const today = dayInZone(now, timezone);
  if (op === 'in_next') return sql<boolean>`(${expr} > ${today}::date AND ${expr} <= ${shiftDay(today, -value.amount, value.unit)}::date)`;
  const since = shiftDay(today, value.amount, value.unit);
  return op === 'in_last' ? sql<boolean>`(${expr} >= ${since}::date AND ${expr} <= ${today}::date)` : sql<boolean>`${expr} < ${since}::date`;
}

/** A custom attribute read as the condition's type: a string, a number (a JSON number or a plain decimal string), or a boolean. */
function attributeValue(condition: AttributeCondition): RawBuilder<unknown> {
  const json = sql`(c.attributes -> ${condition.key}::text)`;
  if (condition.type === 'text') return sql`CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${json} #>> '{}' END`;
  if (condition.type === 'number') return numericJson(json);
  return sql`CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${json})::text::boolean END`;
}

/** A JSON value as numeric when it is a number or a plain decimal string; NULL otherwise (never a cast error). */
export function numericJson(json: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json} #>> '{}')::numeric
                  WHEN jsonb_typeof(${json}) = 'string' AND (${json} #>> '{}') ~ '^-?[0-9]{1,15}(\\.[0-9]{1,15})?$' THEN (${json} #>> '{}')::numeric END`;
}

function compileAttribute(condition: AttributeCondition, state: State): Compiled {
  const value = attributeValue(condition);
  if (condition.type === 'boolean') {
    return { holds: condition.op === 'is_true' ? sql<boolean>`${value} = true` : sql<boolean>`${value} = false`, observed: value };
  }
  return { holds: compareValue(value, condition.type, condition.op, condition.value, state), observed: value };
}

/** The time filter of a behaviour window on a timestamp column. */
function windowFilter(column: RawBuilder<unknown>, window: Window | undefined, state: State): RawBuilder<unknown> {
  if (!window) return sql``;
  const { now, timezone } = state.ctx;
  if ('last' in window) {
    state.timeDependent = true;
    return sql`AND ${column} >= ${shiftInstant(now, window.last, window.unit, timezone).toISOString()}::timestamptz AND ${column} <= ${now.toISOString()}::timestamptz`;
  }
  return sql`AND ${column} >= ${startOfDayInZone(window.from, timezone).toISOString()}::timestamptz AND ${column} < ${startOfDayInZone(addDays(window.to, 1), timezone).toISOString()}::timestamptz`;
}

function propertyFilter(filter: PropertyFilter): RawBuilder<unknown> {
  const json = sql`(e.properties -> ${filter.property}::text)`;
  const asJson = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
  switch (filter.op) {
    case 'exists':
      return sql`${json} IS NOT NULL AND jsonb_typeof(${json}) <> 'null'`;
    case 'eq':
      return sql`${json} = ${asJson(filter.value)}`;
    case 'neq':
      return sql`${json} IS DISTINCT FROM ${asJson(filter.value)}`;
    case 'in':
      return sql`${json} IN (SELECT jsonb_array_elements(${asJson(filter.value)}))`;
    case 'contains':
      return sql`jsonb_typeof(${json}) = 'string' AND strpos(lower(${json} #>> '{}'), lower(${filter.value as string}::text)) > 0`;
    case 'gt':
      return sql`${numericJson(json)} > ${filter.value as number}::numeric`;
    case 'gte':
      return sql`${numericJson(json)} >= ${filter.value as number}::numeric`;
    case 'lt':
      return sql`${numericJson(json)} < ${filter.value as number}::numeric`;
    case 'lte':
      return sql`${numericJson(json)} <= ${filter.value as number}::numeric`;
    default:
      return assertNever(filter.op, 'property operator');
  }
}

function compileEvent(condition: EventCondition, state: State): Compiled {
  state.reads.add(`event:${condition.name}`);
  const filters = (condition.where ?? []).map((f) => sql`AND ${propertyFilter(f)}`);
  const alias = addJoin(
    state,
    sql`SELECT e.customer_id, count(*) AS n FROM events e
        WHERE e.workspace_id = ${state.ctx.workspaceId} AND e.name = ${condition.name} AND e.customer_id IS NOT NULL
          ${windowFilter(sql.ref('e.occurred_at'), condition.window, state)} ${sql.join(filters, sql` `)} ${scopeFilter(state, sql.ref('e.customer_id'))}
        GROUP BY e.customer_id`,
    condition.op === 'did',
  );
  const n = sql`coalesce(${sql.ref(`${alias}.n`)}, 0)`;
  if (condition.op === 'did_not') return { holds: sql<boolean>`${n} = 0`, observed: n };
  const atLeast = sql<boolean>`${n} >= ${condition.atLeast ?? 1}`;
  return { holds: condition.atMost === undefined ? atLeast : sql<boolean>`(${atLeast} AND ${n} <= ${condition.atMost})`, observed: n };
}

// Orders that count: not cancelled and not refunded in full; their amount is what was kept.
const keptOrder = sql`o.status <> 'cancelled' AND o.total_minor > o.refunded_minor`;

function compileOrders(condition: OrdersCondition, state: State): Compiled {
  state.reads.add('orders');
  const lifetime = !condition.window && !condition.channels && !condition.stores;
  let n: RawBuilder<unknown>;
  let total: RawBuilder<unknown>;
  if (lifetime) {
    // Lifetime figures are kept current in customer_stats: no order scan.
    n = sql`coalesce(st.order_count, 0)`;
    total = sql`coalesce(st.total_minor, 0)`;
  } else {
    // Whether a customer without orders here meets the condition: count 0 and total 0; the average is
    // unknown, which only the negative operator matches (negative operators include unknowns).
    const zeroHolds = condition.measure === 'average_order_value' ? condition.op === 'neq' : zeroMeets(condition);
    const channels = condition.channels ? sql`AND o.channel = ANY(${condition.channels}::text[])` : sql``;
    const stores = condition.stores ? sql`AND o.store = ANY(${condition.stores}::text[])` : sql``;
    const alias = addJoin(
      state,
      sql`SELECT o.customer_id, count(*) AS n, sum(o.total_minor - o.refunded_minor) AS total FROM orders o
          WHERE o.workspace_id = ${state.ctx.workspaceId} AND o.customer_id IS NOT NULL AND ${keptOrder}
            ${windowFilter(sql.ref('o.ordered_at'), condition.window, state)} ${channels} ${stores} ${scopeFilter(state, sql.ref('o.customer_id'))}
          GROUP BY o.customer_id`,
      !zeroHolds,
    );
    n = sql`coalesce(${sql.ref(`${alias}.n`)}, 0)`;
    total = sql`coalesce(${sql.ref(`${alias}.total`)}, 0)`;
  }
  const toMinor = (v: number) => (condition.measure === 'count' ? v : toMinorUnits(v, state.ctx.currency));
  const value: FieldCondition['value'] = Array.isArray(condition.value) ? condition.value.map(toMinor) : toMinor(condition.value as number);
  // Average order value has no value without orders: then only `neq` holds (IS DISTINCT FROM), as for unknown fields.
  const measure = condition.measure === 'count' ? n : condition.measure === 'total_spent' ? total : sql`(${total})::numeric / nullif(${n}, 0)`;
  return { holds: compareValue(measure, 'number', condition.op, value, state), observed: measure };
}

function zeroMeets(condition: OrdersCondition): boolean {
  const v = condition.value;
  switch (condition.op) {
    case 'eq':
      return v === 0;
    case 'neq':
      return v !== 0;
    case 'gt':
      return 0 > (v as number);
    case 'gte':
      return 0 >= (v as number);
    case 'lt':
      return 0 < (v as number);
    case 'lte':
      return 0 <= (v as number);
    case 'between': {
      const [low, high] = v as number[];
      return low! <= 0 && 0 <= high!;
    }
  }
}

function compilePurchased(condition: PurchasedCondition, state: State): Compiled {
  state.reads.add('orders');
  const items = [
    ...(condition.skus ? [sql`i.sku = ANY(${condition.skus}::text[])`] : []),
    ...(condition.categories ? [sql`i.category = ANY(${condition.categories}::text[])`] : []),
  ];
  const alias = addJoin(
    state,
    sql`SELECT DISTINCT o.customer_id FROM orders o JOIN order_items i ON i.workspace_id = o.workspace_id AND i.order_id = o.id
        WHERE o.workspace_id = ${state.ctx.workspaceId} AND o.customer_id IS NOT NULL AND ${keptOrder} AND (${sql.join(items, sql` OR `)})
          ${windowFilter(sql.ref('o.ordered_at'), condition.window, state)} ${scopeFilter(state, sql.ref('o.customer_id'))}`,
    condition.op === 'did',
  );
  const bought = sql<boolean>`${sql.ref(`${alias}.customer_id`)} IS NOT NULL`;
  return { holds: condition.op === 'did' ? bought : sql<boolean>`NOT ${bought}`, observed: bought };
}
