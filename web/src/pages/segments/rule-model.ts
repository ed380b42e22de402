import type { CatalogueField, FieldType, RuleJson } from '../../api/segments-api.ts';

// The rule builder's state and its conversion to and from the rule JSON of the API. The builder keeps
// each condition as its JSON object (the rule language is the model) and gives every group and
// condition a stable id, so that rows keep their identity while they move and an error's path can be
// traced back to the row it is about.

export type GroupType = 'all' | 'any' | 'none';
export const groupTypes: readonly GroupType[] = ['all', 'any', 'none'];

/** A condition as the rule language writes it: `{"kind": "orders", "measure": "count", …}`. */
export type ConditionJson = Readonly<Record<string, unknown>>;

export interface GroupState {
  readonly node: 'group';
  readonly id: string;
  readonly type: GroupType;
  readonly children: readonly NodeState[];
}
export interface ConditionState {
  readonly node: 'condition';
  readonly id: string;
  readonly condition: ConditionJson;
}
export type NodeState = GroupState | ConditionState;

// Values the catalogue does not list (they are fixed by the rule language in src/segments/rule.ts).
export const identityTypes = ['email', 'phone', 'wechat_unionid', 'wechat_openid', 'external_id', 'anonymous_id'] as const;
export const consentChannels = ['email', 'sms', 'wechat', 'push', 'phone'] as const;
export const consentPurposes = ['marketing', 'transactional'] as const;
export const consentOps = ['opted_in', 'not_opted_in', 'opted_out'] as const;
export const timeUnits = ['hours', 'days', 'weeks', 'months'] as const;
export const ordersMeasures = ['count', 'total_spent', 'average_order_value'] as const;
export const comparisonOps = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export const propertyOps = ['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists'] as const;

let lastId = 0;
/** A fresh id for a row (unique within the page's life). */
export const newId = (): string => `n${++lastId}`;

export const emptyGroup = (type: GroupType = 'all', children: readonly NodeState[] = []): GroupState => ({ node: 'group', id: newId(), type, children });
export const conditionNode = (condition: ConditionJson): ConditionState => ({ node: 'condition', id: newId(), condition });

/** The shape of the value an operator takes, which decides the input the builder shows. */
export type ValueShape = 'none' | 'scalar' | 'list' | 'range' | 'date' | 'dateRange' | 'relative' | 'days';

/** What value a field operator takes, per the rule language's checks. */
export function valueShape(type: FieldType, op: string): ValueShape {
  if (op === 'is_set' || op === 'is_not_set' || op === 'is_true' || op === 'is_false') return 'none';
  if (op === 'in' || op === 'not_in') return 'list';
  if (op === 'between') return type === 'date' || type === 'timestamp' ? 'dateRange' : 'range';
  if (op === 'before' || op === 'after') return 'date';
  if (op === 'in_last' || op === 'not_in_last' || op === 'in_next') return 'relative';
  if (op === 'anniversary_in_next') return 'days';
  return 'scalar';
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A sensible first value for a field operator, so a new row is already a valid condition where it can be. */
export function defaultFieldValue(field: Pick<CatalogueField, 'type' | 'values'>, op: string, today = new Date()): unknown {
  const numeric = field.type === 'number' || field.type === 'money';
  switch (valueShape(field.type, op)) {
    case 'none':
      return undefined;
    case 'list':
      return field.values?.length ? [field.values[0]] : [];
    case 'range':
      return [0, 100];
    case 'dateRange':
      return [isoDay(new Date(today.getTime() - 30 * 86_400_000)), isoDay(today)];
    case 'date':
      return isoDay(today);
    case 'relative':
      return { amount: 30, unit: 'days' };
    case 'days':
      return 7;
    case 'scalar':
      return numeric ? 0 : (field.values?.[0] ?? '');
  }
}

/** Whether a value already has the shape an operator takes (then it is kept when the operator changes). */
function fits(shape: ValueShape, value: unknown): boolean {
  switch (shape) {
    case 'none':
      return value === undefined;
    case 'list':
      return Array.isArray(value);
    case 'range':
      return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number');
    case 'dateRange':
      return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case 'relative':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'days':
      return typeof value === 'number';
    case 'scalar':
      return typeof value === 'string' || typeof value === 'number';
  }
}

/** A field condition on another field or operator: the value is kept when it still fits, else reset. */
export function fieldCondition(field: CatalogueField, op: string | undefined, previous?: unknown): ConditionJson {
  const chosen = op && field.operators.includes(op) ? op : field.operators[0]!;
  const shape = valueShape(field.type, chosen);
  const numeric = field.type === 'number' || field.type === 'money';
  const keep = fits(shape, previous) && (shape !== 'scalar' || (typeof previous === 'number') === numeric);
  const value = keep ? previous : defaultFieldValue(field, chosen);
  return value === undefined ? { kind: 'field', field: field.name, op: chosen } : { kind: 'field', field: field.name, op: chosen, value };
}

/** A new condition of a kind, filled so that it is valid when the catalogue and lists allow it. */
export function defaultCondition(kind: string, context: { fields: readonly CatalogueField[]; tags: readonly string[]; segmentIds: readonly number[] }): ConditionJson {
  switch (kind) {
    case 'field': {
      const field = context.fields.find((f) => f.name === 'city') ?? context.fields[0];
      return field ? fieldCondition(field, field.operators.includes('eq') ? 'eq' : undefined) : { kind: 'field', field: '', op: 'eq', value: '' };
    }
    case 'attribute':
      return { kind: 'attribute', key: '', type: 'text', op: 'eq', value: '' };
    case 'tag':
      return { kind: 'tag', op: 'has', tag: context.tags[0] ?? '' };
    case 'identity':
      return { kind: 'identity', type: 'email', op: 'present' };
    case 'consent':
      return { kind: 'consent', channel: 'email', purpose: 'marketing', op: 'opted_in' };
    case 'event':
      return { kind: 'event', name: '', op: 'did', window: { last: 30, unit: 'days' } };
    case 'orders':
      return { kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 90, unit: 'days' } };
    case 'purchased':
      return { kind: 'purchased', op: 'did', categories: [] };
    case 'segment':
      return { kind: 'segment', op: 'member', segmentId: context.segmentIds[0] ?? 0 };
    default:
      return { kind };
  }
}

/** Drops keys whose value is undefined: an optional part left out, not sent as null. */
function clean(condition: ConditionJson): ConditionJson {
  return Object.fromEntries(Object.entries(condition).filter(([, v]) => v !== undefined));
}

/** The builder's root group as the rule JSON the API takes. */
export function toRuleJson(root: GroupState): RuleJson {
  const node = (n: NodeState): Record<string, unknown> => (n.node === 'group' ? group(n) : { ...clean(n.condition) });
  const group = (g: GroupState): Record<string, unknown> => ({ [g.type]: g.children.map(node) });
  return { version: 1, root: group(root) };
}

const groupTypeOf = (value: Record<string, unknown>): GroupType | undefined => groupTypes.find((t) => Array.isArray(value[t]) && Object.keys(value).length === 1);

/** The builder state of a rule JSON (a saved segment's rule); anything that is not a group is a condition. */
export function fromRuleJson(rule: RuleJson): GroupState {
  const node = (value: unknown): NodeState => {
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const type = groupTypeOf(record);
    return type ? emptyGroup(type, (record[type] as unknown[]).map(node)) : conditionNode(record);
  };
  const root = node(rule.root);
  return root.node === 'group' ? root : emptyGroup('all', [root]);
}

/** Where an error points: the row (group or condition) and what is left of the path inside it ("value", "where[0].value"). */
export interface ErrorTarget {
  readonly nodeId: string;
  readonly field: string;
}

/** Splits `rule.root.all[1].value` into ['rule', 'root', 'all', 1, 'value']. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  return out;
}

/** Renders a path back as text (`where[0].value`). */
const formatPath = (path: readonly (string | number)[]): string =>
  path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');

/**
 * The builder row an API error is about: the rule API answers 400 with details.path (or a message that
 * starts with the path, `rule.root.all[1].value: …`). The path is followed through the groups as far as
 * it goes; an error about the rule as a whole (or with no path) lands on the root group.
 */
export function errorTarget(root: GroupState, error: { message?: string; details?: unknown }): ErrorTarget | undefined {
  const details = error.details as { path?: unknown } | undefined;
  let path: (string | number)[] | undefined = Array.isArray(details?.path) ? (details.path as (string | number)[]) : undefined;
  if (!path && error.message) {
    const head = /^(rule(?:\.[\w]+|\[\d+\])*):/.exec(error.message);
    if (head) path = parsePath(head[1]!);
  }
  if (!path || path[0] !== 'rule') return undefined;
  if (path[1] !== 'root') return { nodeId: root.id, field: formatPath(path.slice(1)) };
  let node: NodeState = root;
  let i = 2;
  while (node.node === 'group' && i + 1 < path.length) {
    const [type, index] = [path[i], path[i + 1]];
    if (type !== node.type || typeof index !== 'number') break;
    const child: NodeState | undefined = node.children[index];
    if (!child) break;
    node = child;
    i += 2;
  }
  return { nodeId: node.id, field: formatPath(path.slice(i)) };
}

/** How many conditions and how deep the groups go, for the limits shown under the builder. */
export function ruleSize(root: GroupState): { conditions: number; depth: number } {
  const walk = (n: NodeState, depth: number): { conditions: number; depth: number } => {
    if (n.node === 'condition') return { conditions: 1, depth: depth - 1 };
    return n.children.map((c) => walk(c, depth + 1)).reduce((a, b) => ({ conditions: a.conditions + b.conditions, depth: Math.max(a.depth, b.depth) }), { conditions: 0, depth });
  };
  return walk(root, 1);
}

// Pure edits of the tree by id, so the builder's handlers stay one line each.

/** Replaces the node with `id` by what `change` makes of it. */
export function updateNode(root: GroupState, id: string, change: (node: NodeState) => NodeState): GroupState {
  const visit = (n: NodeState): NodeState => {
    if (n.id === id) return change(n);
    return n.node === 'group' ? { ...n, children: n.children.map(visit) } : n;
  };
  return visit(root) as GroupState;
}

/** Removes the node with `id` (the root stays). */
export function removeNode(root: GroupState, id: string): GroupState {
  const visit = (g: GroupState): GroupState => ({ ...g, children: g.children.filter((c) => c.id !== id).map((c) => (c.node === 'group' ? visit(c) : c)) });
  return visit(root);
}

/** Adds a child at the end of the group with `groupId`. */
export function appendChild(root: GroupState, groupId: string, child: NodeState): GroupState {
  return updateNode(root, groupId, (n) => (n.node === 'group' ? { ...n, children: [...n.children, child] } : n));
}

/** Moves a node one place up or down among its siblings. */
export function moveNode(root: GroupState, id: string, by: -1 | 1): GroupState {
  const visit = (g: GroupState): GroupState => {
    const index = g.children.findIndex((c) => c.id === id);
    if (index >= 0) {
      const to = index + by;
      if (to < 0 || to >= g.children.length) return g;
      const children = [...g.children];
      [children[index], children[to]] = [children[to]!, children[index]!];
      return { ...g, children };
    }
    return { ...g, children: g.children.map((c) => (c.node === 'group' ? visit(c) : c)) };
  };
  return visit(root);
}

/** The depth of the group with `id` (the root is 1), or 0 when it is not there. */
export function groupDepth(root: GroupState, id: string): number {
  const visit = (g: GroupState, depth: number): number => {
    if (g.id === id) return depth;
    for (const c of g.children) {
      if (c.node !== 'group') continue;
      const found = visit(c, depth + 1);
      if (found) return found;
    }
    return 0;
  };
  return visit(root, 1);
}
