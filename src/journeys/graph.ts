import { Cron } from 'croner';
import { z } from 'zod';
import { parseRule } from '../segments/index.ts';
import { assertNever, invalidInput, PatronError } from '../lib/errors.ts';

// A journey graph is data: a trigger, an entry node and a map of nodes by id, each a member of one
// discriminated union. Every operation over nodes is one switch ending in assertNever, so a kind without
// a handler fails the typecheck instead of ending a customer's journey at run time.

const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a node id is 1-64 letters, digits, "_" or "-"');
const durationSchema = z
  .strictObject({ days: z.number().int().min(0).max(3650).optional(), hours: z.number().int().min(0).max(87_600).optional(), minutes: z.number().int().min(0).max(5_256_000).optional() })
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'a duration needs days, hours or minutes above zero');
export type Duration = z.infer<typeof durationSchema>;

const propertyFilterSchema = z.strictObject({
  property: z.string().min(1).max(200),
  op: z.enum(['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists']),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]).optional(),
});
export type PropertyFilter = z.infer<typeof propertyFilterSchema>;
const eventName = z.string().min(1).max(200);
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use a time of day as HH:MM (24-hour)');

const triggerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event'), event: eventName, where: z.array(propertyFilterSchema).max(20).optional() }),
  z.strictObject({ kind: z.literal('segment'), segmentId: z.number().int().positive(), on: z.enum(['entry', 'exit']) }),
  z.strictObject({
    kind: z.literal('date'),
    field: z.enum(['birthday', 'signup_anniversary', 'days_after_last_order']),
    days: z.number().int().min(1).max(3650).optional().describe('For days_after_last_order: how many days after the last order'),
  }),
  z.strictObject({ kind: z.literal('schedule'), cron: z.string().min(1).max(100), segmentId: z.number().int().positive().describe('Who enters at each run: the current members of this segment') }),
  z.strictObject({ kind: z.literal('api') }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

const messageContentSchema = z.strictObject({
  subject: z.string().max(500).optional(),
  text: z.string().min(1).max(20_000),
  html: z.string().max(200_000).optional(),
  wechatTemplateId: z.string().max(200).optional(),
  data: z.record(z.string(), z.string()).optional(),
});

const nodeSchemas = {
  wait: z.strictObject({ kind: z.literal('wait'), duration: durationSchema.optional(), untilTimeOfDay: timeOfDay.optional(), next: nodeId }),
  wait_for_event: z.strictObject({ kind: z.literal('wait_for_event'), event: eventName, where: z.array(propertyFilterSchema).max(20).optional(), timeout: durationSchema, next: nodeId, timeoutNext: nodeId }),
  branch: z.strictObject({ kind: z.literal('branch'), rule: z.unknown(), yes: nodeId, no: nodeId }),
  split: z.strictObject({
    kind: z.literal('split'),
    branches: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), weight: z.number().positive().max(1_000_000), next: nodeId })).min(2).max(10),
  }),
  send: z.strictObject({
    kind: z.literal('send'),
    channel: z.enum(['email', 'sms', 'wechat', 'webhook', 'preferred']),
    purpose: z.enum(['marketing', 'transactional']).default('marketing'),
    content: messageContentSchema.optional(),
    templateId: z.number().int().positive().optional(),
    next: nodeId,
  }),
  update: z.strictObject({
    kind: z.literal('update'),
    attributes: z.record(z.string().min(1).max(200), z.unknown()).optional(),
    addTags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    removeTags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    next: nodeId,
  }),
  grant_points: z.strictObject({ kind: z.literal('grant_points'), points: z.number().int().min(1).max(1_000_000_000), reason: z.string().min(1).max(500), next: nodeId }),
  grant_coupon: z.strictObject({ kind: z.literal('grant_coupon'), couponTemplateId: z.number().int().positive(), next: nodeId }),
  webhook: z.strictObject({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16, 'a webhook secret is at least 16 characters').max(200),
    body: z.record(z.string(), z.unknown()).optional(),
    next: nodeId,
  }),
  task: z.strictObject({ kind: z.literal('task'), title: z.string().min(1).max(500), assignee: z.string().min(1).max(200), dueInDays: z.number().int().min(0).max(365), next: nodeId }),
  exit: z.strictObject({ kind: z.literal('exit') }),
} as const;

export type NodeKind = keyof typeof nodeSchemas;
export const nodeKinds = Object.keys(nodeSchemas) as NodeKind[];
export type JourneyNode = { [K in NodeKind]: z.output<(typeof nodeSchemas)[K]> }[NodeKind];

const reentrySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('never') }),
  z.strictObject({ mode: z.literal('after_exit') }),
  z.strictObject({ mode: z.literal('after_days'), days: z.number().int().min(1).max(3650) }),
]);
export type Reentry = z.infer<typeof reentrySchema>;

const graphShape = z.strictObject({
  version: z.literal(1),
  trigger: triggerSchema,
  entry: nodeId,
  nodes: z.record(z.string(), z.unknown()),
  reentry: reentrySchema.default({ mode: 'never' }),
  goal: z.strictObject({ event: eventName, where: z.array(propertyFilterSchema).max(20).optional() }).optional(),
  timezone: z.enum(['customer', 'workspace']).default('customer').describe("Whose time zone times of day use: the customer's (falling back to the workspace's) or the workspace's"),
});

/** A validated journey graph. */
export interface JourneyGraph {
  readonly version: 1;
  readonly trigger: Trigger;
  readonly entry: string;
  readonly nodes: Readonly<Record<string, JourneyNode>>;
  readonly reentry: Reentry;
  readonly goal?: { readonly event: string; readonly where?: readonly PropertyFilter[] | undefined } | undefined;
  readonly timezone: 'customer' | 'workspace';
}

/** What the graph may use of other modules; a kind that needs a missing module is refused when saved. */
export interface GraphCapabilities {
  /** Whether the workspace has an active loyalty program (grant steps post to it). */
  readonly loyalty: boolean;
}

function issueMessage(error: z.ZodError): { message: string; path: (string | number)[] } {
  const issue = error.issues[0]!;
  return { message: issue.message, path: issue.path.filter((p): p is string | number => typeof p !== 'symbol') };
}

function successors(node: JourneyNode): string[] {
  switch (node.kind) {
    case 'wait':
    case 'send':
    case 'update':
    case 'grant_points':
    case 'grant_coupon':
    case 'webhook':
    case 'task':
      return [node.next];
    case 'wait_for_event':
      return [node.next, node.timeoutNext];
    case 'branch':
      return [node.yes, node.no];
    case 'split':
      return node.branches.map((b) => b.next);
    case 'exit':
      return [];
    default:
      return assertNever(node, 'journey node');
  }
}

/** The nodes a node leads to (for validation and for the editor). */
export { successors as nodeSuccessors };

/**
 * Parses and checks a journey graph; every error names the node and field (e.g. nodes.welcome.next) and
 * says what to do. Checks: shapes, that every edge leads to an existing node, that every node is reachable
 * from the entry, that no cycle runs without a wait (which would loop forever in one step), branch rules
 * in the segment rule language, and that steps needing another module have it.
 */
export function parseGraph(input: unknown, capabilities: GraphCapabilities): JourneyGraph {
  const shape = graphShape.safeParse(input);
  if (!shape.success) {
    const { message, path } = issueMessage(shape.error);
    throw invalidInput(`journey graph ${path.join('.') || '(root)'}: ${message}`, { path: ['graph', ...path] });
  }
  const raw = shape.data;
  const nodes: Record<string, JourneyNode> = {};
  const ids = Object.keys(raw.nodes);
  if (ids.length === 0) throw invalidInput('journey graph nodes: a journey needs at least one node', { path: ['graph', 'nodes'] });
  if (ids.length > 200) throw invalidInput(`journey graph nodes: ${ids.length} nodes is more than the 200 allowed`, { path: ['graph', 'nodes'] });
  for (const id of ids) {
    const path = ['graph', 'nodes', id];
    if (!nodeId.safeParse(id).success) throw invalidInput(`journey node id "${id}" must be 1-64 letters, digits, "_" or "-"`, { path });
    const value = raw.nodes[id];
    const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !(kind in nodeSchemas)) {
      throw invalidInput(`journey node "${id}": kind must be one of ${nodeKinds.join(', ')} (got ${JSON.stringify(kind)})`, { path: [...path, 'kind'] });
    }
    const parsed = nodeSchemas[kind as NodeKind].safeParse(value);
    if (!parsed.success) {
      const { message, path: sub } = issueMessage(parsed.error);
      throw invalidInput(`journey node "${id}" (${kind}) ${sub.join('.')}: ${message}`, { path: [...path, ...sub] });
    }
    const node = parsed.data as JourneyNode;
    checkNode(id, node, capabilities);
    nodes[id] = node;
  }
  if (!(raw.entry in nodes)) throw invalidInput(`journey graph entry: no node is called "${raw.entry}"`, { path: ['graph', 'entry'] });
  for (const [id, node] of Object.entries(nodes)) {
    for (const next of successors(node)) {
      if (!(next in nodes)) throw invalidInput(`journey node "${id}" leads to "${next}", which does not exist`, { path: ['graph', 'nodes', id] });
    }
  }
  const reachable = new Set<string>([raw.entry]);
  const queue = [raw.entry];
  while (queue.length > 0) {
    for (const next of successors(nodes[queue.pop()!]!)) {
      if (!reachable.has(next)) {
        reachable.add(next);
        queue.push(next);
      }
    }
  }
  const orphan = ids.find((id) => !reachable.has(id));
  if (orphan) throw invalidInput(`journey node "${orphan}" cannot be reached from the entry "${raw.entry}"; connect it or remove it`, { path: ['graph', 'nodes', orphan] });
  checkNoInstantCycle(nodes);
  if (raw.trigger.kind === 'schedule') checkCron(raw.trigger.cron);
  return { version: 1, trigger: raw.trigger, entry: raw.entry, nodes, reentry: raw.reentry, goal: raw.goal, timezone: raw.timezone };
}

function checkNode(id: string, node: JourneyNode, capabilities: GraphCapabilities): void {
  const path = ['graph', 'nodes', id];
  switch (node.kind) {
    case 'wait':
      if (!node.duration && !node.untilTimeOfDay) throw invalidInput(`journey node "${id}" (wait) needs a duration, a time of day (untilTimeOfDay), or both`, { path });
      return;
    case 'branch':
      try {
        parseRule(node.rule, [...path, 'rule']);
      } catch (error) {
        if (error instanceof PatronError) throw invalidInput(`journey node "${id}" (branch) rule: ${error.message}`, { ...error.details, path: error.details.path ?? [...path, 'rule'] });
        throw error;
      }
      return;
    case 'send':
      if (!node.content === !node.templateId) throw invalidInput(`journey node "${id}" (send) needs either content or templateId, not both or neither`, { path });
      return;
    case 'update':
      if (!node.attributes && !node.addTags?.length && !node.removeTags?.length) throw invalidInput(`journey node "${id}" (update) changes nothing: give attributes, addTags or removeTags`, { path });
      return;
    case 'grant_points':
    case 'grant_coupon':
      if (!capabilities.loyalty) throw invalidInput(`journey node "${id}" (${node.kind}): loyalty is not available (the workspace has no active loyalty program)`, { path: [...path, 'kind'] });
      return;
    case 'split': {
      const names = new Set(node.branches.map((b) => b.name));
      if (names.size !== node.branches.length) throw invalidInput(`journey node "${id}" (split) has two branches with the same name`, { path: [...path, 'branches'] });
      return;
    }
    case 'wait_for_event':
    case 'webhook':
    case 'task':
    case 'exit':
      return;
    default:
      assertNever(node, 'journey node');
  }
}

/** A cycle through nodes that never wait would run forever inside one step; a wait on the cycle breaks it. */
function checkNoInstantCycle(nodes: Record<string, JourneyNode>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const node = nodes[id]!;
    if (node.kind === 'wait' || node.kind === 'wait_for_event') return;
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      throw invalidInput(`journey nodes ${[...trail.slice(trail.indexOf(id)), id].join(' → ')} form a loop without a wait; add a wait to the loop`, { path: ['graph', 'nodes', id] });
    }
    state.set(id, 'visiting');
    for (const next of successors(node)) visit(next, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of Object.keys(nodes)) visit(id, []);
}

function checkCron(expression: string): void {
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (error) {
    throw invalidInput(`journey trigger cron "${expression}" is not a cron expression (minute hour day month weekday): ${error instanceof Error ? error.message : String(error)}`, {
      path: ['graph', 'trigger', 'cron'],
    });
  }
}
