import { describe, expect, it } from 'vitest';
import type { CatalogueField } from '../../api/segments-api.ts';
import {
  appendChild,
  conditionNode,
  defaultCondition,
  emptyGroup,
  errorTarget,
  fieldCondition,
  fromRuleJson,
  groupDepth,
  moveNode,
  parsePath,
  removeNode,
  ruleSize,
  toRuleJson,
  updateNode,
  valueShape,
  type GroupState,
} from './rule-model.ts';

const fields: CatalogueField[] = [
  { name: 'city', type: 'text', source: 'profile', label: 'City', operators: ['eq', 'neq', 'in', 'not_in', 'contains', 'is_set'] },
  { name: 'gender', type: 'enum', source: 'profile', label: 'Gender', operators: ['eq', 'neq', 'in', 'not_in', 'is_set'], values: ['female', 'male', 'other'] },
  { name: 'total_spent', type: 'money', source: 'orders', label: 'Total spent', operators: ['eq', 'gt', 'gte', 'between', 'is_set'] },
  { name: 'birthday', type: 'date', source: 'profile', label: 'Birthday', operators: ['before', 'after', 'between', 'in_last', 'anniversary_in_next', 'is_set'] },
];
const field = (name: string) => fields.find((f) => f.name === name)!;

// The examples of the issue: a nested rule with several kinds of condition.
const rule = {
  version: 1 as const,
  root: {
    all: [
      { kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 90, unit: 'days' } },
      {
        any: [
          { kind: 'event', name: 'Product Viewed', op: 'did', atLeast: 2, where: [{ property: 'category', op: 'eq', value: '茶' }], window: { last: 30, unit: 'days' } },
          { kind: 'field', field: 'birthday', op: 'anniversary_in_next', value: 7 },
          { none: [{ kind: 'tag', op: 'has', tag: '黑名单' }] },
        ],
      },
    ],
  },
};

describe('rule builder state', () => {
  it('turns a rule into builder rows and back without changing it', () => {
    const state = fromRuleJson(rule);
    expect(state.type).toBe('all');
    expect(state.children.map((c) => c.node)).toEqual(['condition', 'group']);
    expect(toRuleJson(state)).toEqual(rule);
  });

  it('gives every row its own id', () => {
    const state = fromRuleJson(rule);
    const ids: string[] = [];
    const walk = (g: GroupState) => {
      ids.push(g.id);
      for (const c of g.children) {
        if (c.node === 'group') walk(c);
        else ids.push(c.id);
      }
    };
    walk(state);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(7);
  });

  it('leaves out optional parts that are not set', () => {
    const state = emptyGroup('any', [conditionNode({ kind: 'event', name: 'Signed Up', op: 'did', window: undefined, atLeast: undefined })]);
    expect(toRuleJson(state)).toEqual({ version: 1, root: { any: [{ kind: 'event', name: 'Signed Up', op: 'did' }] } });
  });

  it('wraps a rule whose root is not a group', () => {
    const state = fromRuleJson({ version: 1, root: { kind: 'tag', op: 'has', tag: 'VIP' } });
    expect(toRuleJson(state)).toEqual({ version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'VIP' }] } });
  });

  it('edits, adds, moves and removes rows by id', () => {
    let state = fromRuleJson(rule);
    const inner = state.children[1] as GroupState;
    state = appendChild(state, inner.id, conditionNode({ kind: 'identity', type: 'email', op: 'present' }));
    expect((toRuleJson(state).root.all as { any?: unknown[] }[])[1]!.any).toHaveLength(4);
    state = moveNode(state, state.children[1]!.id, -1);
    expect(Object.keys(toRuleJson(state).root.all as object[])).toHaveLength(2);
    expect((toRuleJson(state).root.all as Record<string, unknown>[])[0]).toHaveProperty('any');
    state = updateNode(state, inner.id, (n) => (n.node === 'group' ? { ...n, type: 'none' } : n));
    expect((toRuleJson(state).root.all as Record<string, unknown>[])[0]).toHaveProperty('none');
    state = removeNode(state, inner.id);
    expect(toRuleJson(state)).toEqual({ version: 1, root: { all: [rule.root.all[0]] } });
    // Moving past either end does nothing.
    expect(moveNode(state, state.children[0]!.id, 1)).toEqual(state);
  });

  it('counts conditions and depth', () => {
    const state = fromRuleJson(rule);
    expect(ruleSize(state)).toEqual({ conditions: 4, depth: 3 });
    const none = ((state.children[1] as GroupState).children[2] as GroupState).id;
    expect(groupDepth(state, none)).toBe(3);
    expect(groupDepth(state, 'nope')).toBe(0);
  });
});

describe('field conditions', () => {
  it('knows the value each operator takes', () => {
    expect(valueShape('text', 'is_set')).toBe('none');
    expect(valueShape('enum', 'in')).toBe('list');
    expect(valueShape('money', 'between')).toBe('range');
    expect(valueShape('date', 'between')).toBe('dateRange');
    expect(valueShape('timestamp', 'after')).toBe('date');
    expect(valueShape('date', 'in_last')).toBe('relative');
    expect(valueShape('date', 'anniversary_in_next')).toBe('days');
    expect(valueShape('number', 'gte')).toBe('scalar');
  });

  it('starts a new field condition with a valid value and keeps a value that still fits', () => {
    expect(fieldCondition(field('gender'), 'eq')).toEqual({ kind: 'field', field: 'gender', op: 'eq', value: 'female' });
    expect(fieldCondition(field('gender'), 'in')).toEqual({ kind: 'field', field: 'gender', op: 'in', value: ['female'] });
    expect(fieldCondition(field('city'), 'neq', '上海')).toEqual({ kind: 'field', field: 'city', op: 'neq', value: '上海' });
    expect(fieldCondition(field('total_spent'), 'gte', 500)).toEqual({ kind: 'field', field: 'total_spent', op: 'gte', value: 500 });
    // A text value does not carry over to a money field, nor a number to a list.
    expect(fieldCondition(field('total_spent'), 'gt', '上海')).toEqual({ kind: 'field', field: 'total_spent', op: 'gt', value: 0 });
    expect(fieldCondition(field('city'), 'in', 3)).toEqual({ kind: 'field', field: 'city', op: 'in', value: [] });
    expect(fieldCondition(field('birthday'), 'is_set', 7)).toEqual({ kind: 'field', field: 'birthday', op: 'is_set' });
    expect(fieldCondition(field('birthday'), 'in_last')).toEqual({ kind: 'field', field: 'birthday', op: 'in_last', value: { amount: 30, unit: 'days' } });
    // An operator the field does not take falls back to its first one.
    expect(fieldCondition(field('city'), 'anniversary_in_next').op).toBe('eq');
  });

  it('offers a first condition of every kind', () => {
    const context = { fields, tags: ['VIP'], segmentIds: [3] };
    expect(defaultCondition('field', context)).toEqual({ kind: 'field', field: 'city', op: 'eq', value: '' });
    expect(defaultCondition('tag', context)).toEqual({ kind: 'tag', op: 'has', tag: 'VIP' });
    expect(defaultCondition('segment', context)).toEqual({ kind: 'segment', op: 'member', segmentId: 3 });
    expect(defaultCondition('orders', context)).toEqual({ kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 90, unit: 'days' } });
    for (const kind of ['attribute', 'identity', 'consent', 'event', 'purchased']) expect(defaultCondition(kind, context).kind).toBe(kind);
  });
});

describe('error paths', () => {
  const state = fromRuleJson(rule);
  const inner = state.children[1] as GroupState;

  it('reads a path', () => {
    expect(parsePath('rule.root.all[1].any[0].where[0].value')).toEqual(['rule', 'root', 'all', 1, 'any', 0, 'where', 0, 'value']);
  });

  it('maps details.path to the builder row and the part of it', () => {
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 0, 'value'] } })).toEqual({ nodeId: state.children[0]!.id, field: 'value' });
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 1, 'any', 0, 'where', 0, 'value'] } })).toEqual({ nodeId: inner.children[0]!.id, field: 'where[0].value' });
    const none = inner.children[2] as GroupState;
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 1, 'any', 2, 'none', 0, 'tag'] } })).toEqual({ nodeId: none.children[0]!.id, field: 'tag' });
  });

  it('falls back to the path at the start of the message', () => {
    expect(errorTarget(state, { message: 'rule.root.all[1].any[1].value: Too big: expected number to be <=365' })).toEqual({ nodeId: inner.children[1]!.id, field: 'value' });
  });

  it('puts a problem with a group (empty, too deep) on the group', () => {
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 1, 'any'] } })).toEqual({ nodeId: inner.id, field: 'any' });
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 1] } })).toEqual({ nodeId: inner.id, field: '' });
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all'] } })).toEqual({ nodeId: state.id, field: 'all' });
  });

  it('stops where the rows end and ignores errors that are not about the rule', () => {
    expect(errorTarget(state, { details: { path: ['rule', 'root', 'all', 9, 'value'] } })).toEqual({ nodeId: state.id, field: 'all[9].value' });
    expect(errorTarget(state, { details: { path: ['rule', 'version'] } })).toEqual({ nodeId: state.id, field: 'version' });
    expect(errorTarget(state, { message: 'A segment named "VIP" already exists', details: { path: ['name'] } })).toBeUndefined();
    expect(errorTarget(state, { message: 'no path here' })).toBeUndefined();
  });
});
