import { describe, expect, it } from 'vitest';
import { PatronError } from '../lib/errors.ts';
import { parseGraph } from './graph.ts';
import { nextTimeOfDay } from './time.ts';

const withLoyalty = { loyalty: true };
const base = {
  version: 1,
  trigger: { kind: 'api' },
  entry: 'tag',
  nodes: {
    tag: { kind: 'update', addTags: ['welcomed'], next: 'wait' },
    wait: { kind: 'wait', duration: { days: 1 }, next: 'done' },
    done: { kind: 'exit' },
  },
};

function errorOf(graph: unknown, capabilities = withLoyalty): PatronError {
  try {
    parseGraph(graph, capabilities);
  } catch (error) {
    if (error instanceof PatronError) return error;
    throw error;
  }
  throw new Error('the graph was accepted');
}

describe('journey graph validation', () => {
  it('accepts a valid graph and fills defaults', () => {
    const graph = parseGraph(base, withLoyalty);
    expect(graph.reentry).toEqual({ mode: 'never' });
    expect(graph.timezone).toBe('customer');
  });

  it('names the node and the field in every error', () => {
    expect(errorOf({ ...base, nodes: { ...base.nodes, tag: { kind: 'teleport', next: 'wait' } } }).message).toMatch(/journey node "tag": kind must be one of wait, wait_for_event/);
    expect(errorOf({ ...base, nodes: { ...base.nodes, wait: { kind: 'wait', next: 'done' } } }).message).toBe('journey node "wait" (wait) needs a duration, a time of day (untilTimeOfDay), or both');
    expect(errorOf({ ...base, nodes: { ...base.nodes, wait: { kind: 'wait', duration: { days: 1 }, next: 'nowhere' } } }).message).toBe('journey node "wait" leads to "nowhere", which does not exist');
    expect(errorOf({ ...base, nodes: { ...base.nodes, lost: { kind: 'exit' } } }).message).toMatch(/journey node "lost" cannot be reached from the entry "tag"/);
    expect(errorOf({ ...base, entry: 'start' }).message).toBe('journey graph entry: no node is called "start"');
    const bad = errorOf({ ...base, nodes: { ...base.nodes, wait: { kind: 'wait', untilTimeOfDay: '25:00', next: 'done' } } });
    expect(bad.message).toMatch(/journey node "wait" \(wait\) untilTimeOfDay: use a time of day as HH:MM/);
    expect(bad.details.path).toEqual(['graph', 'nodes', 'wait', 'untilTimeOfDay']);
  });

  it('refuses a loop without a wait, and accepts one with a wait', () => {
    const loop = {
      ...base,
      entry: 'a',
      nodes: { a: { kind: 'update', addTags: ['x'], next: 'b' }, b: { kind: 'branch', rule: { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'x' }] } }, yes: 'a', no: 'c' }, c: { kind: 'exit' } },
    };
    expect(errorOf(loop).message).toBe('journey nodes a → b → a form a loop without a wait; add a wait to the loop');
    const waited = { ...loop, nodes: { ...loop.nodes, b: { ...loop.nodes.b, yes: 'w' }, w: { kind: 'wait', duration: { days: 7 }, next: 'a' } } };
    expect(() => parseGraph(waited, withLoyalty)).not.toThrow();
  });

  it('checks branch rules in the segment rule language, cron expressions and loyalty', () => {
    const branch = { ...base, nodes: { ...base.nodes, tag: { kind: 'branch', rule: { version: 1, root: { all: [{ kind: 'tag', op: 'maybe', tag: 'x' }] } }, yes: 'wait', no: 'done' } } };
    expect(errorOf(branch).message).toMatch(/^journey node "tag" \(branch\) rule: /);
    expect(errorOf({ ...base, trigger: { kind: 'schedule', cron: 'every day', segmentId: 1 } }).message).toMatch(/journey trigger cron "every day" is not a cron expression/);
    const points = { ...base, nodes: { ...base.nodes, tag: { kind: 'grant_points', points: 100, reason: 'welcome', next: 'wait' } } };
    expect(errorOf(points, { loyalty: false }).message).toBe('journey node "tag" (grant_points): loyalty is not available (the workspace has no active loyalty program)');
    expect(() => parseGraph(points, withLoyalty)).not.toThrow();
    const send = { ...base, nodes: { ...base.nodes, tag: { kind: 'send', channel: 'email', next: 'wait' } } };
    expect(errorOf(send).message).toBe('journey node "tag" (send) needs either content or templateId, not both or neither');
  });
});

describe('time of day in a time zone', () => {
  it('finds the next 09:00 in Shanghai and in New York across a DST change', () => {
    // 2026-03-01 00:30 UTC is 08:30 in Shanghai: 09:00 the same day is 01:00 UTC.
    expect(nextTimeOfDay(new Date('2026-03-01T00:30:00Z'), '09:00', 'Asia/Shanghai').toISOString()).toBe('2026-03-01T01:00:00.000Z');
    // 10:00 in Shanghai: the next 09:00 is tomorrow.
    expect(nextTimeOfDay(new Date('2026-03-01T02:00:00Z'), '09:00', 'Asia/Shanghai').toISOString()).toBe('2026-03-02T01:00:00.000Z');
    // New York moves to daylight time on 2026-03-08: 09:00 is 14:00 UTC before and 13:00 UTC after.
    expect(nextTimeOfDay(new Date('2026-03-07T15:00:00Z'), '09:00', 'America/New_York').toISOString()).toBe('2026-03-08T13:00:00.000Z');
  });
});
