import type { Edge, Node, XYPosition } from '@xyflow/react';
import type { JourneyGraphJson, JourneySettings, StepCounts, StepJson, StepKind } from './journeys-api.ts';

// The journey graph (src/journeys/graph.ts) as the canvas holds it: one node per step plus a trigger
// node, and edges for every "next". The graph itself has no layout, so positions are laid out by depth
// from the entry when a journey is opened. Plain functions, so the conversions are tested without a DOM.

/** The trigger's node id; '@' is not allowed in step ids, so it never collides with a step. */
export const triggerNodeId = '@trigger';
/** The trigger node's one output: the edge to the entry step. */
export const entryHandle = 'entry';

export type StepNodeData = { readonly step: StepJson };
export type StepNode = Node<StepNodeData, 'step'>;
export type TriggerNode = Node<Record<string, never>, 'trigger'>;
export type CanvasNode = StepNode | TriggerNode;

export interface CanvasState {
  readonly settings: JourneySettings;
  readonly nodes: readonly CanvasNode[];
  readonly edges: readonly Edge[];
}

/** The step kinds in the order the palette offers them. */
export const paletteKinds: readonly StepKind[] = ['wait', 'wait_for_event', 'branch', 'split', 'send', 'update', 'grant_points', 'grant_coupon', 'webhook', 'task', 'exit'];

/** A step's outputs: the handle id (the field of the graph, or `branch-<i>` for split arms) and how to label it. */
export interface StepOutput {
  readonly handle: string;
  /** An i18n key under journeys.outputs, or undefined for a split arm (labelled by its name). */
  readonly labelKey?: string;
  readonly label?: string;
}

/** The outputs a step has, in the order they are drawn. */
export function outputsOf(step: StepJson): StepOutput[] {
  switch (step.kind) {
    case 'wait':
    case 'send':
    case 'update':
    case 'grant_points':
    case 'grant_coupon':
    case 'webhook':
    case 'task':
      return [{ handle: 'next', labelKey: 'next' }];
    case 'wait_for_event':
      return [
        { handle: 'next', labelKey: 'eventArrived' },
        { handle: 'timeoutNext', labelKey: 'timedOut' },
      ];
    case 'branch':
      return [
        { handle: 'yes', labelKey: 'yes' },
        { handle: 'no', labelKey: 'no' },
      ];
    case 'split':
      return step.branches.map((b, i) => ({ handle: `branch-${i}`, label: b.name }));
    case 'exit':
      return [];
    default:
      return assertNever(step);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled journey step ${JSON.stringify(value)}`);
}

/** A new step of a kind with settings that read as a start (the server says what is still missing). */
export function defaultStep(kind: StepKind): StepJson {
  switch (kind) {
    case 'wait':
      return { kind, duration: { days: 1 }, next: '' };
    case 'wait_for_event':
      return { kind, event: '', timeout: { days: 3 }, next: '', timeoutNext: '' };
    case 'branch':
      return { kind, rule: { version: 1, root: { all: [] } }, yes: '', no: '' };
    case 'split':
      return {
        kind,
        branches: [
          { name: 'A', weight: 1, next: '' },
          { name: 'B', weight: 1, next: '' },
        ],
      };
    case 'send':
      return { kind, channel: 'preferred', purpose: 'marketing', content: { subject: '', text: '' }, next: '' };
    case 'update':
      return { kind, addTags: [], removeTags: [], next: '' };
    case 'grant_points':
      return { kind, points: 100, reason: '', next: '' };
    case 'grant_coupon':
      return { kind, couponTemplateId: 0, next: '' };
    case 'webhook':
      return { kind, url: '', secret: '', next: '' };
    case 'task':
      return { kind, title: '', assignee: '', dueInDays: 1, next: '' };
    case 'exit':
      return { kind };
    default:
      return assertNever(kind);
  }
}

/** A step id not yet used: the kind and a number (`send_2`), as the graph's id rule allows. */
export function newStepId(kind: StepKind, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${kind}_${n}`;
    if (!used.has(id)) return id;
  }
}

/** The settings a new journey starts with: an event trigger, entered once, in the customer's time zone. */
export const defaultSettings: JourneySettings = { trigger: { kind: 'event', event: '' }, reentry: { mode: 'never' }, timezone: 'customer' };

/** The canvas of a new journey: the trigger alone. */
export function emptyCanvas(): CanvasState {
  return { settings: defaultSettings, nodes: [{ id: triggerNodeId, type: 'trigger', position: { x: 40, y: 40 }, data: {}, deletable: false }], edges: [] };
}

const edgeId = (source: string, handle: string) => `${source}:${handle}`;

/** The edge for a step's output, with an id one per output (a new connection replaces the old). */
export function outputEdge(source: string, handle: string, target: string): Edge {
  return { id: edgeId(source, handle), source, sourceHandle: handle, target };
}

/** The step's value at a handle ('' when unconnected). */
function targetAt(step: StepJson, handle: string): string {
  const arm = /^branch-(\d+)$/.exec(handle);
  if (arm && step.kind === 'split') return step.branches[Number(arm[1])]?.next ?? '';
  return ((step as unknown as Record<string, unknown>)[handle] as string | undefined) ?? '';
}

/** Steps laid out top to bottom by depth from the entry (breadth first), unreached steps in a last row. */
export function layout(entry: string, nodes: Readonly<Record<string, StepJson>>): Map<string, XYPosition> {
  const depth = new Map<string, number>([[entry, 1]]);
  const queue = [entry];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const step = nodes[id];
    if (!step) continue;
    for (const { handle } of outputsOf(step)) {
      const next = targetAt(step, handle);
      if (next && next in nodes && !depth.has(next)) {
        depth.set(next, depth.get(id)! + 1);
        queue.push(next);
      }
    }
  }
  const last = Math.max(0, ...depth.values()) + 1;
  const places = new Map<number, number>();
  const positions = new Map<string, XYPosition>();
  for (const id of [...depth.keys(), ...Object.keys(nodes).filter((n) => !depth.has(n))]) {
    const level = depth.get(id) ?? last;
    const place = places.get(level) ?? 0;
    places.set(level, place + 1);
    positions.set(id, { x: 40 + place * stepSpacing.x, y: 40 + level * stepSpacing.y });
  }
  return positions;
}

/** The distance between laid-out steps: side by side, and from one level to the next. */
export const stepSpacing = { x: 240, y: 170 } as const;

/** The canvas for a saved graph: steps laid out by depth, edges from every connected output. */
export function fromGraphJson(graph: JourneyGraphJson): CanvasState {
  const positions = layout(graph.entry, graph.nodes);
  const steps: StepNode[] = Object.entries(graph.nodes).map(([id, step]) => ({ id, type: 'step', position: positions.get(id)!, data: { step } }));
  const edges: Edge[] = [];
  if (graph.entry in graph.nodes) edges.push(outputEdge(triggerNodeId, entryHandle, graph.entry));
  for (const [id, step] of Object.entries(graph.nodes)) {
    for (const { handle } of outputsOf(step)) {
      const target = targetAt(step, handle);
      if (target && target in graph.nodes) edges.push(outputEdge(id, handle, target));
    }
  }
  const settings: JourneySettings = {
    trigger: graph.trigger,
    reentry: graph.reentry ?? { mode: 'never' },
    timezone: graph.timezone ?? 'customer',
    ...(graph.goal ? { goal: graph.goal } : {}),
  };
  const trigger: TriggerNode = { id: triggerNodeId, type: 'trigger', position: { x: positions.get(graph.entry)?.x ?? 40, y: 40 }, data: {}, deletable: false };
  return { settings, nodes: [trigger, ...steps], edges };
}

/** A problem the canvas finds before asking the server: an output not connected to a next step. */
export interface CanvasProblem {
  readonly nodeId: string;
  readonly handle: string;
}

/** Drops empty optional texts and lists, which the graph schema would refuse or store as noise. */
function tidy(step: StepJson): StepJson {
  switch (step.kind) {
    case 'send': {
      const { content, templateId, ...rest } = step;
      if (templateId) return { ...rest, templateId };
      const subject = content?.subject?.trim() ? { subject: content.subject } : {};
      return { ...rest, content: { ...subject, text: content?.text ?? '' } };
    }
    case 'update': {
      const { addTags, removeTags, ...rest } = step;
      return { ...rest, ...(addTags?.length ? { addTags } : {}), ...(removeTags?.length ? { removeTags } : {}) };
    }
    case 'wait': {
      const { untilTimeOfDay, duration, ...rest } = step;
      const parts = Object.entries(duration ?? {}).filter(([, v]) => typeof v === 'number' && v > 0);
      return { ...rest, ...(parts.length ? { duration: Object.fromEntries(parts) } : {}), ...(untilTimeOfDay ? { untilTimeOfDay } : {}) };
    }
    case 'wait_for_event': {
      const { where, ...rest } = step;
      return { ...rest, ...(where?.length ? { where } : {}) };
    }
    default:
      return step;
  }
}

/** The trigger without empty filters. */
function tidySettings(settings: JourneySettings): Omit<JourneyGraphJson, 'version' | 'entry' | 'nodes'> {
  const trigger = settings.trigger.kind === 'event' && !settings.trigger.where?.length ? { kind: 'event' as const, event: settings.trigger.event } : settings.trigger;
  return { trigger, reentry: settings.reentry, timezone: settings.timezone, ...(settings.goal?.event.trim() ? { goal: { event: settings.goal.event.trim() } } : {}) };
}

/**
 * The graph to save: each step's outputs taken from the edges, the entry from the trigger's edge. Outputs
 * left unconnected are returned as problems (the server would only name the first, in a field's words);
 * everything else is for the server to judge.
 */
export function toGraphJson(state: CanvasState): { graph: JourneyGraphJson; problems: CanvasProblem[] } {
  const targets = new Map(state.edges.map((e) => [edgeId(e.source, e.sourceHandle ?? ''), e.target]));
  const problems: CanvasProblem[] = [];
  const nodes: Record<string, StepJson> = {};
  for (const node of state.nodes) {
    if (node.type !== 'step') continue;
    let step = (node as StepNode).data.step;
    for (const { handle } of outputsOf(step)) {
      const target = targets.get(edgeId(node.id, handle)) ?? '';
      if (!target) problems.push({ nodeId: node.id, handle });
      const arm = /^branch-(\d+)$/.exec(handle);
      if (arm && step.kind === 'split') {
        const index = Number(arm[1]);
        step = { ...step, branches: step.branches.map((b, i) => (i === index ? { ...b, next: target } : b)) };
      } else {
        step = { ...step, [handle]: target } as StepJson;
      }
    }
    nodes[node.id] = tidy(step);
  }
  const entry = targets.get(edgeId(triggerNodeId, entryHandle)) ?? '';
  if (!entry) problems.unshift({ nodeId: triggerNodeId, handle: entryHandle });
  return { graph: { version: 1, ...tidySettings(state.settings), entry, nodes }, problems };
}

/** Connects an output to a step, replacing what the output led to; the trigger cannot be a target, nor a step itself. */
export function connect(edges: readonly Edge[], connection: { source: string; sourceHandle?: string | null; target: string }): Edge[] {
  if (connection.target === triggerNodeId || connection.target === connection.source) return [...edges];
  const handle = connection.sourceHandle ?? (connection.source === triggerNodeId ? entryHandle : 'next');
  const id = edgeId(connection.source, handle);
  return [...edges.filter((e) => e.id !== id), outputEdge(connection.source, handle, connection.target)];
}

/** Removes a split's arm and renumbers the edges of the arms after it, so each still leads where it did. */
export function removeSplitArm(edges: readonly Edge[], nodeId: string, index: number): Edge[] {
  const out: Edge[] = [];
  for (const edge of edges) {
    const arm = edge.source === nodeId ? /^branch-(\d+)$/.exec(edge.sourceHandle ?? '') : null;
    if (!arm) out.push(edge);
    else if (Number(arm[1]) < index) out.push(edge);
    else if (Number(arm[1]) > index) out.push(outputEdge(nodeId, `branch-${Number(arm[1]) - 1}`, edge.target));
  }
  return out;
}

/** Edges whose output no longer exists (e.g. after a kind's arms shrank) are dropped. */
export function pruneEdges(nodes: readonly CanvasNode[], edges: readonly Edge[]): Edge[] {
  const handles = new Set<string>([edgeId(triggerNodeId, entryHandle)]);
  const ids = new Set(nodes.map((n) => n.id));
  for (const node of nodes) if (node.type === 'step') for (const o of outputsOf((node as StepNode).data.step)) handles.add(edgeId(node.id, o.handle));
  return edges.filter((e) => handles.has(edgeId(e.source, e.sourceHandle ?? '')) && ids.has(e.target));
}

/** Where a server validation error belongs: a step (by id), the trigger, the journey's name, or nowhere in particular. */
export type ErrorTarget = { readonly kind: 'step'; readonly nodeId: string; readonly field: string } | { readonly kind: 'trigger'; readonly field: string } | { readonly kind: 'name' };

/**
 * Reads an invalid_input error's details.path (e.g. ['graph', 'nodes', 'send_1', 'content', 'text']) into
 * the node or setting it is about; a graph-level complaint (no steps) has no one node.
 */
export function errorTarget(details: unknown): ErrorTarget | undefined {
  const path = (details as { path?: unknown } | undefined)?.path;
  if (!Array.isArray(path)) return undefined;
  if (path[0] === 'name') return { kind: 'name' };
  if (path[0] !== 'graph') return undefined;
  if (path[1] === 'nodes' && typeof path[2] === 'string') return { kind: 'step', nodeId: path[2], field: path.slice(3).join('.') };
  if (path[1] === 'trigger' || path[1] === 'entry' || path[1] === 'goal' || path[1] === 'reentry' || path[1] === 'timezone') return { kind: 'trigger', field: path.slice(1).join('.') };
  return undefined;
}

/** A server message without its 'journey node "x" (kind) ' opening, for showing on the node it names. */
export function messageOnNode(message: string): string {
  return message.replace(/^journey node "[^"]*"(?: \([a-z_]+\))?:?\s*/, '');
}

/** The counts of each step by id, for drawing on the nodes of a live journey. */
export function countsByStep(steps: readonly StepCounts[]): Map<string, StepCounts> {
  return new Map(steps.map((s) => [s.nodeId, s]));
}
