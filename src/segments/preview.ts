import { sql, type Kysely, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { compileRule, membersFrom, withRule, type CompiledNode } from './compile.ts';
import { compileContext } from './membership.ts';
import { parseRule, type Condition } from './rule.ts';

export interface PreviewProfile {
  readonly id: number;
  readonly name: string | null;
  readonly city: string | null;
  readonly rfmSegment: string | null;
  readonly lifecycleStage: string | null;
  readonly totalSpentMinor: number;
}

export interface RulePreview {
  readonly count: number;
  /** Lifetime revenue (kept, net of refunds) of the matching customers, in minor units. */
  readonly revenueMinor: number;
  readonly sample: PreviewProfile[];
  readonly timeDependent: boolean;
  readonly reads: string[];
  readonly tookMs: number;
}

/** Counts a rule's members, sums their revenue and shows 20 of them, without saving anything. */
export async function previewRule(db: Kysely<Database>, workspace: Workspace, input: unknown, clock: Clock): Promise<RulePreview> {
  const rule = parseRule(input);
  const started = performance.now();
  return db.transaction().execute(async (trx) => {
    const ctx = compileContext(trx, workspace, clock.now());
    const compiled = await compileRule(rule, ctx);
    const result = await sql<{ count: number; revenue: number | null; sample: PreviewProfile[] | null }>`
      ${withRule([compiled], [sql`m AS MATERIALIZED (SELECT c.id, c.name, c.city, sc.rfm_segment, sc.lifecycle_stage, coalesce(st.total_minor, 0) AS total ${membersFrom(compiled, ctx)})`])}
      SELECT (SELECT count(*) FROM m)::int AS count,
             (SELECT sum(total) FROM m)::bigint AS revenue,
             (SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'city', s.city, 'rfmSegment', s.rfm_segment,
                                                'lifecycleStage', s.lifecycle_stage, 'totalSpentMinor', s.total) ORDER BY s.id)
              FROM (SELECT * FROM m ORDER BY id LIMIT 20) s) AS sample`.execute(trx);
    const row = result.rows[0]!;
    return {
      count: row.count,
      revenueMinor: Number(row.revenue ?? 0),
      sample: (row.sample ?? []).map((p) => ({ ...p, totalSpentMinor: Number(p.totalSpentMinor) })),
      timeDependent: compiled.timeDependent,
      reads: [...compiled.reads].sort(),
      tookMs: Math.round(performance.now() - started),
    };
  });
}

export interface ExplainedRule {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** The statement a rule compiles to (values as $n parameters), for the "explain" view. */
export async function explainRule(db: Kysely<Database>, workspace: Workspace, input: unknown, clock: Clock): Promise<ExplainedRule> {
  const rule = parseRule(input);
  return db.transaction().execute(async (trx) => {
    const ctx = compileContext(trx, workspace, clock.now());
    const compiled = await compileRule(rule, ctx);
    const query = sql`${withRule([compiled])} SELECT c.id ${membersFrom(compiled, ctx)}`.compile(trx);
    return { sql: query.sql.replace(/\n\s+/g, '\n  '), parameters: query.parameters };
  });
}

/** One node of a "why" answer: whether it holds for the customer and, for a condition, the value it saw. */
export interface WhyNode {
  readonly path: string;
  readonly holds: boolean;
  readonly group?: 'all' | 'any' | 'none';
  readonly segment?: { readonly id: number; readonly name: string };
  readonly condition?: Condition;
  readonly observed?: unknown;
  readonly children?: WhyNode[];
}

/** For one customer: which conditions of a rule hold and which fail, with the values they looked at. */
export async function explainCustomer(db: Kysely<Database>, workspace: Workspace, input: unknown, customerId: number, clock: Clock): Promise<WhyNode> {
  const rule = parseRule(input);
  return db.transaction().execute(async (trx) => {
    const customer = await trx
      .selectFrom('customers')
      .select(['id', 'merged_into'])
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!customer) throw new PatronError('not_found', `Customer ${customerId} does not exist`, { path: ['customerId'], value: customerId });
    if (customer.merged_into !== null) {
      throw new PatronError('not_found', `Customer ${customerId} was merged into ${customer.merged_into}; ask about that profile`, { path: ['customerId'], value: customerId });
    }
    const ctx = compileContext(trx, workspace, clock.now(), { customerIds: [customerId], explaining: true });
    const compiled = await compileRule(rule, ctx);
    const leaves: { holds: string; observed: string; node: CompiledNode & { kind: 'condition' } }[] = [];
    const collect = (node: CompiledNode) => {
      if (node.kind === 'condition') leaves.push({ holds: `h${leaves.length}`, observed: `o${leaves.length}`, node });
      else node.children.forEach(collect);
    };
    collect(compiled.tree);
    // The same FROM as membership, minus the rule's WHERE: each condition is read as a column.
    const selections = leaves.flatMap((l) => [sql`${l.node.holds} AS ${sql.ref(l.holds)}`, sql`${l.node.observed} AS ${sql.ref(l.observed)}`]);
    const from = membersFrom({ ...compiled, predicate: sql<boolean>`true` }, ctx);
    const result = await sql<Record<string, unknown>>`${withRule([compiled])} SELECT ${sql.join(selections)} ${from}`.execute(trx);
    const row = result.rows[0]!;
    const values = new Map(leaves.map((l) => [l.node, { holds: row[l.holds] === true, observed: row[l.observed] }]));
    const build = (node: CompiledNode): WhyNode => {
      if (node.kind === 'condition') {
        const v = values.get(node)!;
        return { path: node.path, holds: v.holds, condition: node.condition, observed: v.observed };
      }
      const children = node.children.map(build);
      const holds = node.type === 'all' ? children.every((c) => c.holds) : node.type === 'any' ? children.some((c) => c.holds) : !children.some((c) => c.holds);
      return { path: node.path, holds, group: node.type, ...(node.segment ? { segment: node.segment } : {}), children };
    };
    return build(compiled.tree);
  });
}

/**
 * Which of `customerIds` match a rule now, in the caller's transaction or database: for journey branches
 * and other checks of a few customers (the rule is compiled with the customers as a filter in every part).
 */
export async function matchingCustomers(db: Kysely<Database>, workspace: Workspace, input: unknown, customerIds: readonly number[], now: Date): Promise<Set<number>> {
  const rule = parseRule(input);
  if (customerIds.length === 0) return new Set();
  const run = async (trx: Transaction<Database>) => {
    const ctx = compileContext(trx, workspace, now, { customerIds });
    const compiled = await compileRule(rule, ctx);
    const result = await sql<{ id: number }>`${withRule([compiled])} SELECT c.id ${membersFrom(compiled, ctx)}`.execute(trx);
    return new Set(result.rows.map((r) => Number(r.id)));
  };
  return db.isTransaction ? run(db as Transaction<Database>) : db.transaction().execute(run);
}
