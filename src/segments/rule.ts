import { z } from 'zod';
import { consentChannels, consentPurposes } from '../customers/index.ts';
import { PatronError } from '../lib/errors.ts';
import { fieldCatalogue, operatorsByType, type FieldName } from './catalogue.ts';

// The segment rule language, version 1: nested groups (all / any / none) of typed conditions. A rule is
// data; it never carries SQL or a column name. Every string and number is validated here and later bound
// as a parameter, and anything unexpected is rejected with the path of the offending node.

export const ruleVersion = 1;
export const ruleLimits = { depth: 10, conditions: 200, listValues: 1000, textLength: 1000 } as const;

const identityTypes = ['email', 'phone', 'wechat_unionid', 'wechat_openid', 'external_id', 'anonymous_id'] as const;
const timeUnits = ['hours', 'days', 'weeks', 'months'] as const;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const text = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(ruleLimits.textLength, `${what} is longer than ${ruleLimits.textLength} characters`)
    .refine((s) => !s.includes('\u0000'), `${what} contains a NUL character`)
    .refine((s) => !loneSurrogate.test(s), `${what} is not valid Unicode (a lone surrogate)`);
const name = (what: string) => text(what).refine((s) => s.trim() !== '', `${what} is empty`);
// Numbers stay within what money in minor units and PostgreSQL numeric comparisons handle exactly.
const amount = z
  .number({ error: 'the value must be a number' })
  .refine((n) => Number.isFinite(n) && Math.abs(n) <= 1e12, 'the value must be a finite number between -1e12 and 1e12');
const count = z.number().int('the count must be a whole number').min(0).max(1_000_000);
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date as YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}, 'the date does not exist');
const relative = z.strictObject({ amount: z.number().int().min(1).max(3650), unit: z.enum(timeUnits) });

export const windowSchema = z.union([
  z.strictObject({ last: z.number().int().min(1).max(3650), unit: z.enum(timeUnits) }),
  z.strictObject({ from: isoDay, to: isoDay }).refine((w) => w.from <= w.to, 'the window starts after it ends'),
]);
export type Window = z.infer<typeof windowSchema>;

const propertyFilterSchema = z.strictObject({
  property: name('the property name').max(200),
  op: z.enum(['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists']),
  value: z.unknown().optional(),
});
export type PropertyFilter = z.infer<typeof propertyFilterSchema> & { value?: string | number | boolean | (string | number | boolean)[] };

const fieldConditionSchema = z.strictObject({ kind: z.literal('field'), field: z.string(), op: z.string(), value: z.unknown().optional() });
const attributeConditionSchema = z.strictObject({
  kind: z.literal('attribute'),
  key: name('the attribute key').max(200),
  type: z.enum(['text', 'number', 'boolean']),
  op: z.string(),
  value: z.unknown().optional(),
});
const tagConditionSchema = z.strictObject({ kind: z.literal('tag'), op: z.enum(['has', 'has_not']), tag: name('the tag').max(100) });
const identityConditionSchema = z.strictObject({ kind: z.literal('identity'), type: z.enum(identityTypes), op: z.enum(['present', 'absent']) });
const consentConditionSchema = z.strictObject({
  kind: z.literal('consent'),
  channel: z.enum(consentChannels),
  purpose: z.enum(consentPurposes).default('marketing'),
  op: z.enum(['opted_in', 'not_opted_in', 'opted_out']),
});
const eventConditionSchema = z
  .strictObject({
    kind: z.literal('event'),
    name: name('the event name').max(200),
    op: z.enum(['did', 'did_not']),
    atLeast: count.min(1).optional(),
    atMost: count.optional(),
    where: z.array(propertyFilterSchema).max(20).optional(),
    window: windowSchema.optional(),
  })
  .refine((c) => c.op === 'did' || (c.atLeast === undefined && c.atMost === undefined), 'atLeast and atMost go with "did"; "did_not" means zero times')
  .refine((c) => c.atMost === undefined || c.atMost >= (c.atLeast ?? 1), 'atMost is smaller than atLeast');
const ordersConditionSchema = z.strictObject({
  kind: z.literal('orders'),
  measure: z.enum(['count', 'total_spent', 'average_order_value']),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between']),
  value: z.union([amount, z.tuple([amount, amount])]),
  window: windowSchema.optional(),
  channels: z.array(name('a channel').max(200)).min(1).max(100).optional(),
  stores: z.array(name('a store').max(200)).min(1).max(1000).optional(),
});
const purchasedConditionSchema = z
  .strictObject({
    kind: z.literal('purchased'),
    op: z.enum(['did', 'did_not']),
    skus: z.array(name('a SKU').max(200)).min(1).max(ruleLimits.listValues).optional(),
    categories: z.array(name('a category').max(200)).min(1).max(ruleLimits.listValues).optional(),
    window: windowSchema.optional(),
  })
  .refine((c) => c.skus !== undefined || c.categories !== undefined, 'name skus or categories (or both)');
const segmentConditionSchema = z.strictObject({ kind: z.literal('segment'), op: z.enum(['member', 'not_member']), segmentId: z.number().int().min(1) });

const conditionSchemas = {
  field: fieldConditionSchema,
  attribute: attributeConditionSchema,
  tag: tagConditionSchema,
  identity: identityConditionSchema,
  consent: consentConditionSchema,
  event: eventConditionSchema,
  orders: ordersConditionSchema,
  purchased: purchasedConditionSchema,
  segment: segmentConditionSchema,
} as const;
export type ConditionKind = keyof typeof conditionSchemas;
export const conditionKinds = Object.keys(conditionSchemas) as ConditionKind[];

export type Scalar = string | number;
export interface FieldCondition {
  readonly kind: 'field';
  readonly field: FieldName;
  readonly op: string;
  readonly value?: Scalar | readonly Scalar[] | { readonly amount: number; readonly unit: (typeof timeUnits)[number] };
}
export interface AttributeCondition {
  readonly kind: 'attribute';
  readonly key: string;
  readonly type: 'text' | 'number' | 'boolean';
  readonly op: string;
  readonly value?: Scalar | readonly Scalar[];
}
export type TagCondition = z.infer<typeof tagConditionSchema>;
export type IdentityCondition = z.infer<typeof identityConditionSchema>;
export type ConsentCondition = z.infer<typeof consentConditionSchema>;
export type EventCondition = Omit<z.infer<typeof eventConditionSchema>, 'where'> & { readonly where?: readonly PropertyFilter[] };
export type OrdersCondition = z.infer<typeof ordersConditionSchema>;
export type PurchasedCondition = z.infer<typeof purchasedConditionSchema>;
export type SegmentCondition = z.infer<typeof segmentConditionSchema>;
export type Condition =
  | FieldCondition
  | AttributeCondition
  | TagCondition
  | IdentityCondition
  | ConsentCondition
  | EventCondition
  | OrdersCondition
  | PurchasedCondition
  | SegmentCondition;

export type GroupType = 'all' | 'any' | 'none';
export interface Group {
  readonly type: GroupType;
  readonly children: readonly RuleNode[];
}
export type RuleNode = Group | Condition;
export interface Rule {
  readonly version: 1;
  readonly root: Group;
}

/** The JSON a client sends (and what is stored): groups are `{ "all": [...] }`, `{ "any": [...] }` or `{ "none": [...] }`. */
export type RuleJson = { version: 1; root: GroupJson };
export type GroupJson = { all: NodeJson[] } | { any: NodeJson[] } | { none: NodeJson[] };
export type NodeJson = GroupJson | Record<string, unknown>;

type Path = (string | number)[];

function fail(path: Path, message: string, value?: unknown): never {
  throw new PatronError('invalid_input', `${formatPath(path)}: ${message}`, { path, ...(value === undefined ? {} : { value }) });
}

/** Renders a path as `rule.root.all[1].value`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');
}

/** Validates a rule from outside; throws invalid_input naming the path of the first problem. */
export function parseRule(input: unknown, path: Path = ['rule']): Rule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'a rule is an object {"version": 1, "root": {"all": [...]}}');
  const { version, root, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) fail([...path, extra], 'is not part of a rule (expected only "version" and "root")');
  if (version !== ruleVersion) fail([...path, 'version'], `must be ${ruleVersion}`, version);
  const counter = { conditions: 0 };
  const parsed = parseNode(root, [...path, 'root'], 1, counter);
  if (!isGroup(parsed)) fail([...path, 'root'], 'the root must be a group: {"all": [...]}, {"any": [...]} or {"none": [...]}');
  return { version: 1, root: parsed };
}

export function isGroup(node: RuleNode): node is Group {
  return 'children' in node;
}

function parseNode(input: unknown, path: Path, depth: number, counter: { conditions: number }): RuleNode {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'expected a group or a condition object');
  const record = input as Record<string, unknown>;
  const groupKeys = (['all', 'any', 'none'] as const).filter((k) => k in record);
  if (groupKeys.length > 0) {
    const type = groupKeys[0]!;
    const keys = Object.keys(record);
    if (keys.length !== 1) fail(path, `a group has exactly one key, "all", "any" or "none"; found ${keys.map((k) => JSON.stringify(k)).join(', ')}`);
    if (depth > ruleLimits.depth) fail(path, `groups are nested more than ${ruleLimits.depth} deep`);
    const children = record[type];
    if (!Array.isArray(children)) fail([...path, type], 'must be a list of conditions and groups');
    if (children.length === 0) fail([...path, type], 'is empty; add a condition or remove the group');
    return { type, children: children.map((child, i) => parseNode(child, [...path, type, i], depth + 1, counter)) };
  }
  counter.conditions += 1;
  if (counter.conditions > ruleLimits.conditions) fail(path, `a rule has at most ${ruleLimits.conditions} conditions`);
  return parseCondition(record, path);
}

function parseCondition(record: Record<string, unknown>, path: Path): Condition {
  const kind = record.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(conditionSchemas, kind)) {
    fail([...path, 'kind'], `must be one of ${conditionKinds.join(', ')} (or the node must be a group with "all", "any" or "none")`, typeof kind === 'string' ? kind : undefined);
  }
  const result = conditionSchemas[kind as ConditionKind].safeParse(record);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    fail([...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], issue.message);
  }
  const condition = result.data as Condition;
  if (condition.kind === 'field') return checkField(condition, path);
  if (condition.kind === 'attribute') return checkAttribute(condition, path);
  if (condition.kind === 'event') return { ...condition, where: condition.where?.map((f, i) => checkPropertyFilter(f, [...path, 'where', i])) };
  if (condition.kind === 'orders') checkOrders(condition, path);
  return condition;
}

function checkField(condition: FieldCondition, path: Path): FieldCondition {
  if (!Object.hasOwn(fieldCatalogue, condition.field)) {
    fail([...path, 'field'], `is not a field; use one of ${Object.keys(fieldCatalogue).join(', ')} (custom attributes: {"kind": "attribute", "key": …})`, condition.field);
  }
  const definition = fieldCatalogue[condition.field];
  const allowed: readonly string[] = operatorsByType[definition.type];
  if (!allowed.includes(condition.op)) fail([...path, 'op'], `"${condition.op}" does not apply to ${definition.type} field "${condition.field}"; use one of ${allowed.join(', ')}`, condition.op);
  const valuePath = [...path, 'value'];
  const value = condition.value;
  const values = 'values' in definition ? (definition.values as readonly string[]) : undefined;
  const checkScalar = (v: unknown, at: Path): Scalar => {
    if (definition.type === 'number' || definition.type === 'money') return parseWith(amount, v, at);
    const s = parseWith(text('the value'), v, at);
    if (values && !values.includes(s)) fail(at, `"${s}" is not a value of ${condition.field}; use one of ${values.join(', ')}`, s);
    return s;
  };
  switch (condition.op) {
    case 'is_set':
    case 'is_not_set':
    case 'is_true':
    case 'is_false':
      if (value !== undefined) fail(valuePath, `"${condition.op}" takes no value`);
      return { kind: 'field', field: condition.field, op: condition.op };
    case 'in':
    case 'not_in':
      return { ...condition, value: parseList(value, valuePath).map((v, i) => checkScalar(v, [...valuePath, i])) };
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) fail(valuePath, 'between takes [from, to]');
      if (definition.type === 'date' || definition.type === 'timestamp') {
        const [from, to] = [parseWith(isoDay, value[0], [...valuePath, 0]), parseWith(isoDay, value[1], [...valuePath, 1])];
        if (from > to) fail(valuePath, 'the range starts after it ends');
        return { ...condition, value: [from, to] };
      }
      const [low, high] = [parseWith(amount, value[0], [...valuePath, 0]), parseWith(amount, value[1], [...valuePath, 1])];
      if (low > high) fail(valuePath, 'the range starts after it ends');
      return { ...condition, value: [low, high] };
    }
    case 'before':
    case 'after':
      return { ...condition, value: parseWith(isoDay, value, valuePath) };
    case 'in_last':
    case 'not_in_last':
    case 'in_next':
      return { ...condition, value: parseWith(relative, value, valuePath) };
    case 'anniversary_in_next':
      return { ...condition, value: parseWith(z.number().int().min(0).max(365), value, valuePath) };
    default:
      return { ...condition, value: checkScalar(value, valuePath) };
  }
}

function checkAttribute(condition: AttributeCondition, path: Path): AttributeCondition {
  const type = condition.type === 'boolean' ? 'boolean' : condition.type === 'number' ? 'number' : 'text';
  const allowed: readonly string[] = operatorsByType[type];
  if (!allowed.includes(condition.op)) fail([...path, 'op'], `"${condition.op}" does not apply to a ${type} attribute; use one of ${allowed.join(', ')}`, condition.op);
  const valuePath = [...path, 'value'];
  const scalar = (v: unknown, at: Path): Scalar => (type === 'number' ? parseWith(amount, v, at) : parseWith(text('the value'), v, at));
  const value = condition.value;
  switch (condition.op) {
    case 'is_set':
    case 'is_not_set':
    case 'is_true':
    case 'is_false':
      if (value !== undefined) fail(valuePath, `"${condition.op}" takes no value`);
      return { kind: 'attribute', key: condition.key, type: condition.type, op: condition.op };
    case 'in':
    case 'not_in':
      return { ...condition, value: parseList(value, valuePath).map((v, i) => scalar(v, [...valuePath, i])) };
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) fail(valuePath, 'between takes [from, to]');
      const [low, high] = [parseWith(amount, value[0], [...valuePath, 0]), parseWith(amount, value[1], [...valuePath, 1])];
      if (low > high) fail(valuePath, 'the range starts after it ends');
      return { ...condition, value: [low, high] };
    }
    default:
      return { ...condition, value: scalar(value, valuePath) };
  }
}

function checkPropertyFilter(filter: PropertyFilter, path: Path): PropertyFilter {
  const valuePath = [...path, 'value'];
  const jsonScalar = z.union([text('the value'), amount, z.boolean()]);
  switch (filter.op) {
    case 'exists':
      if (filter.value !== undefined) fail(valuePath, '"exists" takes no value');
      return { property: filter.property, op: 'exists' };
    case 'in':
      return { ...filter, value: parseList(filter.value, valuePath).map((v, i) => parseWith(jsonScalar, v, [...valuePath, i])) };
    case 'contains':
      return { ...filter, value: parseWith(text('the value'), filter.value, valuePath) };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { ...filter, value: parseWith(amount, filter.value, valuePath) };
    default:
      return { ...filter, value: parseWith(jsonScalar, filter.value, valuePath) };
  }
}

function checkOrders(condition: OrdersCondition, path: Path): void {
  const isRange = Array.isArray(condition.value);
  if ((condition.op === 'between') !== isRange) fail([...path, 'value'], condition.op === 'between' ? 'between takes [from, to]' : `"${condition.op}" takes one number`);
  if (isRange) {
    const [low, high] = condition.value as [number, number];
    if (low > high) fail([...path, 'value'], 'the range starts after it ends');
  }
  if (condition.measure === 'count') {
    const values = isRange ? (condition.value as number[]) : [condition.value as number];
    if (values.some((v) => !Number.isInteger(v))) fail([...path, 'value'], 'an order count is a whole number');
  }
}

function parseList(value: unknown, path: Path): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be a list of values');
  if (value.length === 0) fail(path, 'the list is empty');
  if (value.length > ruleLimits.listValues) fail(path, `a list has at most ${ruleLimits.listValues} values`);
  return value;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: Path): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    fail([...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], issue.message, typeof value === 'object' ? undefined : value);
  }
  return result.data;
}

/** Turns a parsed rule back into its JSON form (what is stored and shown). */
export function ruleToJson(rule: Rule): RuleJson {
  const node = (n: RuleNode): NodeJson => (isGroup(n) ? groupJson(n) : { ...n });
  const groupJson = (g: Group): GroupJson => ({ [g.type]: g.children.map(node) }) as GroupJson;
  return { version: 1, root: groupJson(rule.root) };
}
