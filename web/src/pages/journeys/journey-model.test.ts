import { describe, expect, it } from 'vitest';
import type { JourneyGraphJson } from './journeys-api.ts';
import {
  connect,
  defaultStep,
  emptyCanvas,
  entryHandle,
  errorTarget,
  fromGraphJson,
  layout,
  messageOnNode,
  newStepId,
  outputsOf,
  pruneEdges,
  removeSplitArm,
  toGraphJson,
  triggerNodeId,
  type CanvasState,
  type StepNode,
} from './journey-model.ts';

// The example of docs/journeys.md (with a points grant instead of the coupon).
const example: JourneyGraphJson = {
  version: 1,
  trigger: { kind: 'event', event: 'Signed Up' },
  reentry: { mode: 'never' },
  goal: { event: 'Order Completed' },
  timezone: 'customer',
  entry: 'welcome',
  nodes: {
    welcome: { kind: 'send', channel: 'preferred', purpose: 'marketing', content: { subject: '欢迎, {{ customer.name }}', text: 'Hello {{ customer.name }}' }, next: 'wait' },
    wait: { kind: 'wait', duration: { days: 3 }, untilTimeOfDay: '10:00', next: 'bought' },
    bought: { kind: 'branch', rule: { version: 1, root: { all: [{ kind: 'orders', measure: 'count', op: 'gte', value: 1 }] } }, yes: 'done', no: 'split' },
    split: {
      kind: 'split',
      branches: [
        { name: 'points', weight: 1, next: 'points' },
        { name: 'plain', weight: 1, next: 'nudge' },
      ],
    },
    points: { kind: 'grant_points', points: 100, reason: 'welcome back', next: 'nudge' },
    nudge: { kind: 'send', channel: 'preferred', purpose: 'marketing', content: { text: 'Come back' }, next: 'done' },
    done: { kind: 'exit' },
  },
};

const step = (state: CanvasState, id: string) => state.nodes.find((n) => n.id === id) as StepNode;

describe('journey canvas model', () => {
  it('turns a saved graph into nodes and edges and back into the same graph', () => {
    const canvas = fromGraphJson(example);
    expect(canvas.nodes.map((n) => n.id)).toEqual([triggerNodeId, 'welcome', 'wait', 'bought', 'split', 'points', 'nudge', 'done']);
    // One edge from the trigger to the entry, one per connected output: 1 + 1 + 1 + 2 + 2 + 1 + 1.
    expect(canvas.edges).toHaveLength(9);
    expect(canvas.edges).toContainEqual(expect.objectContaining({ source: 'split', sourceHandle: 'branch-1', target: 'nudge' }));
    const { graph, problems } = toGraphJson(canvas);
    expect(problems).toEqual([]);
    expect(graph).toEqual(example);
  });

  it('lays steps out top to bottom by their depth from the entry, siblings side by side', () => {
    const positions = layout(example.entry, example.nodes);
    const level = (id: string) => positions.get(id)!.y;
    expect(level('welcome')).toBeLessThan(level('wait'));
    expect(level('wait')).toBeLessThan(level('bought'));
    // done is reached from bought directly, so it sits on the level after bought, beside split.
    expect(level('done')).toBe(level('split'));
    expect(positions.get('done')!.x).not.toBe(positions.get('split')!.x);
    expect(level('points')).toBe(level('nudge'));
    // An unreached step goes on a level of its own below the rest.
    const orphan = layout(example.entry, { ...example.nodes, stray: { kind: 'exit' } });
    expect(orphan.get('stray')!.y).toBeGreaterThan(Math.max(...[...positions.values()].map((p) => p.y)));
  });

  it('builds trigger → wait → send on an empty canvas, naming the outputs left unconnected', () => {
    let state = emptyCanvas();
    const waitId = newStepId('wait', state.nodes.map((n) => n.id));
    const sendId = newStepId('send', [...state.nodes.map((n) => n.id), waitId]);
    expect([waitId, sendId]).toEqual(['wait_1', 'send_1']);
    state = {
      ...state,
      nodes: [
        ...state.nodes,
        { id: waitId, type: 'step', position: { x: 0, y: 0 }, data: { step: defaultStep('wait') } },
        { id: sendId, type: 'step', position: { x: 0, y: 0 }, data: { step: defaultStep('send') } },
      ],
    };
    expect(toGraphJson(state).problems).toEqual([
      { nodeId: triggerNodeId, handle: entryHandle },
      { nodeId: 'wait_1', handle: 'next' },
      { nodeId: 'send_1', handle: 'next' },
    ]);
    const exitId = newStepId('exit', ['exit_1']);
    expect(exitId).toBe('exit_2');
    state = { ...state, nodes: [...state.nodes, { id: exitId, type: 'step', position: { x: 0, y: 0 }, data: { step: defaultStep('exit') } }] };
    let edges = connect(state.edges, { source: triggerNodeId, sourceHandle: entryHandle, target: waitId });
    edges = connect(edges, { source: waitId, sourceHandle: 'next', target: sendId });
    edges = connect(edges, { source: sendId, sourceHandle: 'next', target: exitId });
    const { graph, problems } = toGraphJson({ ...state, edges });
    expect(problems).toEqual([]);
    expect(graph.entry).toBe('wait_1');
    // The empty subject is left out; the empty text goes to the server, which says what is missing.
    expect(graph.nodes).toEqual({
      wait_1: { kind: 'wait', duration: { days: 1 }, next: 'send_1' },
      send_1: { kind: 'send', channel: 'preferred', purpose: 'marketing', content: { text: '' }, next: 'exit_2' },
      exit_2: { kind: 'exit' },
    });
    // An event trigger without filters and no goal: nothing empty is sent.
    expect(graph.trigger).toEqual({ kind: 'event', event: '' });
    expect('goal' in graph).toBe(false);
  });

  it('replaces what an output led to, and refuses the trigger or the step itself as a target', () => {
    const canvas = fromGraphJson(example);
    const moved = connect(canvas.edges, { source: 'wait', sourceHandle: 'next', target: 'done' });
    expect(moved.filter((e) => e.source === 'wait')).toEqual([expect.objectContaining({ sourceHandle: 'next', target: 'done' })]);
    expect(connect(canvas.edges, { source: 'wait', sourceHandle: 'next', target: triggerNodeId })).toEqual(canvas.edges);
    expect(connect(canvas.edges, { source: 'wait', sourceHandle: 'next', target: 'wait' })).toEqual(canvas.edges);
  });

  it('renumbers the arms after a removed split arm so each still leads where it did', () => {
    const edges = [
      { id: 's:branch-0', source: 's', sourceHandle: 'branch-0', target: 'a' },
      { id: 's:branch-1', source: 's', sourceHandle: 'branch-1', target: 'b' },
      { id: 's:branch-2', source: 's', sourceHandle: 'branch-2', target: 'c' },
      { id: 'x:next', source: 'x', sourceHandle: 'next', target: 's' },
    ];
    expect(removeSplitArm(edges, 's', 1).map((e) => `${e.source}:${e.sourceHandle}→${e.target}`)).toEqual(['s:branch-0→a', 's:branch-1→c', 'x:next→s']);
  });

  it('drops edges whose output or target is gone', () => {
    const canvas = fromGraphJson(example);
    const nodes = canvas.nodes.filter((n) => n.id !== 'nudge');
    const kept = pruneEdges(nodes, canvas.edges);
    expect(kept.some((e) => e.target === 'nudge')).toBe(false);
    expect(kept).toHaveLength(canvas.edges.length - 3);
    // A split turned into a plain step loses its arms' edges.
    const split = step(canvas, 'split');
    const asWait = canvas.nodes.map((n) => (n.id === 'split' ? { ...split, data: { step: defaultStep('wait') } } : n));
    expect(pruneEdges(asWait, canvas.edges).some((e) => e.source === 'split')).toBe(false);
  });

  it('lists every kind’s outputs', () => {
    expect(outputsOf(defaultStep('branch')).map((o) => o.handle)).toEqual(['yes', 'no']);
    expect(outputsOf(defaultStep('wait_for_event')).map((o) => o.handle)).toEqual(['next', 'timeoutNext']);
    expect(outputsOf(defaultStep('split')).map((o) => o.label)).toEqual(['A', 'B']);
    expect(outputsOf(defaultStep('exit'))).toEqual([]);
  });

  it('sends a step with a template without its inline content, and drops empty tag lists and zero durations', () => {
    const canvas = fromGraphJson({
      ...example,
      entry: 'a',
      nodes: {
        a: { kind: 'send', channel: 'email', purpose: 'marketing', templateId: 4, content: { subject: 'x', text: 'y' }, next: 'b' },
        b: { kind: 'update', addTags: ['vip'], removeTags: [], next: 'c' },
        c: { kind: 'wait', duration: { days: 0, hours: 2 }, next: 'd' },
        d: { kind: 'exit' },
      },
    });
    const { graph } = toGraphJson(canvas);
    expect(graph.nodes).toEqual({
      a: { kind: 'send', channel: 'email', purpose: 'marketing', templateId: 4, next: 'b' },
      b: { kind: 'update', addTags: ['vip'], next: 'c' },
      c: { kind: 'wait', duration: { hours: 2 }, next: 'd' },
      d: { kind: 'exit' },
    });
  });

  it('places the server’s validation error on the step, the trigger or the name it names', () => {
    expect(errorTarget({ path: ['graph', 'nodes', 'wait_1'] })).toEqual({ kind: 'step', nodeId: 'wait_1', field: '' });
    expect(errorTarget({ path: ['graph', 'nodes', 'send_1', 'content', 'text'] })).toEqual({ kind: 'step', nodeId: 'send_1', field: 'content.text' });
    expect(errorTarget({ path: ['graph', 'trigger', 'cron'] })).toEqual({ kind: 'trigger', field: 'trigger.cron' });
    expect(errorTarget({ path: ['graph', 'entry'] })).toEqual({ kind: 'trigger', field: 'entry' });
    expect(errorTarget({ path: ['name'] })).toEqual({ kind: 'name' });
    expect(errorTarget({ path: ['graph', 'nodes'] })).toBeUndefined();
    expect(errorTarget(undefined)).toBeUndefined();
  });
});

describe('server messages on nodes', () => {
  it('drop the opening that names the node, which the node already shows', () => {
    expect(messageOnNode('journey node "send_1" (send) content.text: Too small')).toBe('content.text: Too small');
    expect(messageOnNode('journey node "wait_1" (wait) needs a duration, a time of day (untilTimeOfDay), or both')).toBe('needs a duration, a time of day (untilTimeOfDay), or both');
    expect(messageOnNode('journey node "x" cannot be reached from the entry "a"; connect it or remove it')).toBe('cannot be reached from the entry "a"; connect it or remove it');
    expect(messageOnNode('journey graph entry: no node is called "nope"')).toBe('journey graph entry: no node is called "nope"');
  });
});
