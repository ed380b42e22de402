import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { compileRule, type CompiledNode, type CompiledRule } from './compile.ts';
import { compileContext, syncMembership, type MembershipChange } from './membership.ts';
import { parseRule, ruleToJson, type RuleJson } from './rule.ts';

type Trx = Transaction<Database>;

export const segmentInputSchema = z.object({
  name: z.string().trim().min(1, 'the name is empty').max(200),
  description: z.string().max(2000).default(''),
  kind: z.enum(['dynamic', 'static']).default('dynamic'),
  rule: z.unknown(),
});
export type SegmentInput = z.input<typeof segmentInputSchema>;

export const segmentPatchSchema = z.object({
  name: z.string().trim().min(1, 'the name is empty').max(200).optional(),
  description: z.string().max(2000).optional(),
  rule: z.unknown().optional(),
});
export type SegmentPatch = z.input<typeof segmentPatchSchema>;

export interface Segment {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly kind: 'dynamic' | 'static';
  readonly rule: RuleJson;
  readonly ruleVersion: number;
  readonly reads: string[];
  readonly dependsOn: number[];
  readonly timeDependent: boolean;
  readonly memberCount: number;
  readonly refreshedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const columns = [
  'id',
  'name',
  'description',
  'kind',
  'rule',
  'rule_version',
  'reads',
  'depends_on',
  'time_dependent',
  'member_count',
  'refreshed_at',
  'created_at',
  'updated_at',
] as const;

function toSegment(row: {
  id: number;
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  rule: unknown;
  rule_version: number;
  reads: string[];
  depends_on: number[];
  time_dependent: boolean;
  member_count: number;
  refreshed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}): Segment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    rule: row.rule as RuleJson,
    ruleVersion: row.rule_version,
    reads: row.reads,
    dependsOn: row.depends_on.map(Number),
    timeDependent: row.time_dependent,
    memberCount: row.member_count,
    refreshedAt: row.refreshed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The segment ids a compiled rule refers to, directly or through the rules it inlines. */
function referencedSegments(node: CompiledNode, out = new Set<number>()): Set<number> {
  if (node.kind === 'condition') {
    if (node.condition.kind === 'segment') out.add(node.condition.segmentId);
    return out;
  }
  if (node.segment) out.add(node.segment.id);
  for (const child of node.children) referencedSegments(child, out);
  return out;
}

function describeCompiled(compiled: CompiledRule) {
  return { reads: [...compiled.reads].sort(), dependsOn: [...referencedSegments(compiled.tree)].sort((a, b) => a - b), timeDependent: compiled.timeDependent };
}

async function nameTaken(trx: Trx, workspaceId: number, name: string, exceptId?: number): Promise<void> {
  let query = trx
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where(sql<boolean>`lower(name) = lower(${name})`)
    .where('archived_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  const other = await query.executeTakeFirst();
  if (other) throw new PatronError('conflict', `A segment named "${name}" already exists (id ${other.id}); choose another name`, { path: ['name'], value: name });
}

/**
 * Saves a segment and fills it: a dynamic segment is kept current from then on, a static one is a
 * snapshot of who matched at creation. The first population emits no entry events.
 */
export async function createSegment(db: Kysely<Database>, workspace: Workspace, input: SegmentInput, clock: Clock): Promise<Segment> {
  const parsed = segmentInputSchema.parse(input);
  const rule = parseRule(parsed.rule);
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    await nameTaken(trx, workspace.id, parsed.name);
    const compiled = await compileRule(rule, compileContext(trx, workspace, now));
    const meta = describeCompiled(compiled);
    const row = await trx
      .insertInto('segments')
      .values({
        workspace_id: workspace.id,
        name: parsed.name,
        description: parsed.description,
        kind: parsed.kind,
        rule: JSON.stringify(ruleToJson(rule)),
        reads: meta.reads,
        depends_on: meta.dependsOn,
        time_dependent: meta.timeDependent,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await syncMembership(trx, workspace, { id: row.id, name: parsed.name, kind: parsed.kind, rule: ruleToJson(rule) }, now, { emit: false });
    return getSegmentIn(trx, workspace.id, row.id);
  });
}

export async function getSegment(db: Kysely<Database>, workspaceId: number, id: number): Promise<Segment> {
  return getSegmentIn(db, workspaceId, id);
}

async function getSegmentIn(db: Kysely<Database> | Trx, workspaceId: number, id: number): Promise<Segment> {
  const row = await db
    .selectFrom('segments')
    .select(columns)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new PatronError('not_found', `Segment ${id} does not exist`, { path: ['id'], value: id });
  return toSegment(row);
}

export async function listSegments(db: Kysely<Database>, workspaceId: number): Promise<Segment[]> {
  const rows = await db.selectFrom('segments').select(columns).where('workspace_id', '=', workspaceId).where('archived_at', 'is', null).orderBy('id').execute();
  return rows.map(toSegment);
}

/**
 * Renames a segment or changes its rule. A new rule re-evaluates the segment at once (entries and exits
 * are emitted as events) and then every dynamic segment that inlines it.
 */
export async function updateSegment(db: Kysely<Database>, workspace: Workspace, id: number, patch: SegmentPatch, clock: Clock): Promise<Segment> {
  const parsed = segmentPatchSchema.parse(patch);
  const rule = parsed.rule === undefined ? undefined : parseRule(parsed.rule);
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const current = await getSegmentIn(trx, workspace.id, id);
    if (parsed.name !== undefined) await nameTaken(trx, workspace.id, parsed.name, id);
    const name = parsed.name ?? current.name;
    let meta: ReturnType<typeof describeCompiled> | undefined;
    if (rule) meta = describeCompiled(await compileRule(rule, compileContext(trx, workspace, now, { selfId: id })));
    await trx
      .updateTable('segments')
      .set({
        name,
        ...(parsed.description !== undefined ? { description: parsed.description } : {}),
        ...(rule && meta
          ? { rule: JSON.stringify(ruleToJson(rule)), rule_version: sql`rule_version + 1`, reads: meta.reads, depends_on: meta.dependsOn, time_dependent: meta.timeDependent }
          : {}),
        updated_at: now,
      })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .execute();
    if (rule || name !== current.name) {
      await syncMembership(trx, workspace, { id, name, kind: current.kind, rule: ruleToJson(rule ?? parseRule(current.rule)) }, now, { emit: true });
      if (rule) await refreshDependents(trx, workspace, id, now);
    }
    return getSegmentIn(trx, workspace.id, id);
  });
}

/** Archives a segment; refused while another live segment refers to it. */
export async function archiveSegment(db: Kysely<Database>, workspace: Workspace, id: number, clock: Clock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await getSegmentIn(trx, workspace.id, id);
    const users = await trx
      .selectFrom('segments')
      .select(['id', 'name'])
      .where('workspace_id', '=', workspace.id)
      .where('archived_at', 'is', null)
      .where(sql<boolean>`${id}::bigint = ANY(depends_on)`)
      .execute();
    if (users.length > 0) {
      throw new PatronError('conflict', `Segment ${id} is used by ${users.map((u) => `"${u.name}" (${u.id})`).join(', ')}; change those rules first`, { path: ['id'], value: id });
    }
    await trx.updateTable('segments').set({ archived_at: clock.now() }).where('workspace_id', '=', workspace.id).where('id', '=', id).execute();
  });
}

/**
 * Re-evaluates a segment now against every customer: a dynamic segment catches up with time-based
 * conditions; a static one takes a new snapshot. Entries and exits are emitted as events.
 */
export async function refreshSegment(db: Kysely<Database>, workspace: Workspace, id: number, clock: Clock): Promise<MembershipChange> {
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const segment = await getSegmentIn(trx, workspace.id, id);
    const change = await syncMembership(trx, workspace, segment, now, { emit: true });
    await refreshDependents(trx, workspace, id, now);
    return change;
  });
}

async function refreshDependents(trx: Trx, workspace: Workspace, id: number, now: Date): Promise<void> {
  const dependents = await trx
    .selectFrom('segments')
    .select(['id', 'name', 'kind', 'rule'])
    .where('workspace_id', '=', workspace.id)
    .where('archived_at', 'is', null)
    .where('kind', '=', 'dynamic')
    .where(sql<boolean>`${id}::bigint = ANY(depends_on)`)
    .orderBy('id')
    .execute();
  for (const dependent of dependents) await syncMembership(trx, workspace, dependent, now, { emit: true });
}
