import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import type { Database, JourneysTable } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { findActiveProgram } from '../loyalty/index.ts';
import { parseGraph, type GraphCapabilities, type JourneyGraph } from './graph.ts';

type Db = Kysely<Database> | Transaction<Database>;
export type JourneyState = JourneysTable['state'];

export const journeyInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  graph: z.record(z.string(), z.unknown()).describe('The journey graph (see docs/journeys.md)'),
});
export type JourneyInput = z.infer<typeof journeyInputSchema>;
export const journeyPatchSchema = journeyInputSchema.partial();
export type JourneyPatch = z.infer<typeof journeyPatchSchema>;

/** A journey with its current version. */
export interface Journey {
  readonly id: number;
  readonly name: string;
  readonly state: JourneyState;
  readonly versionId: number;
  readonly version: number;
  readonly graph: JourneyGraph;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the graph may use in this workspace. */
export async function graphCapabilities(db: Db, workspaceId: number): Promise<GraphCapabilities> {
  return { loyalty: (await findActiveProgram(db, workspaceId)) !== undefined };
}

async function readJourney(db: Db, workspaceId: number, id: number, lock = false): Promise<Journey> {
  let query = db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.workspace_id', '=', 'j.workspace_id').onRef('v.id', '=', 'j.current_version_id'))
    .select(['j.id', 'j.name', 'j.state', 'j.created_at', 'j.updated_at', 'v.id as version_id', 'v.version', 'v.graph'])
    .where('j.workspace_id', '=', workspaceId)
    .where('j.id', '=', id);
  if (lock) query = query.forUpdate('j') as typeof query;
  const row = await query.executeTakeFirst();
  if (!row) throw new PatronError('not_found', `journey ${id} does not exist`, { path: ['id'], value: id });
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    versionId: row.version_id,
    version: row.version,
    graph: row.graph as unknown as JourneyGraph,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One journey with its current version's graph. */
export function getJourney(db: Db, workspaceId: number, id: number): Promise<Journey> {
  return readJourney(db, workspaceId, id);
}

/** Every journey of the workspace (newest first) with counts of customers in flight and finished. */
export async function listJourneys(db: Kysely<Database>, workspaceId: number) {
  const { rows } = await sql<{ id: number; name: string; state: JourneyState; version: number; updated_at: Date; in_flight: number; completed: number; converted: number }>`
    SELECT j.id, j.name, j.state, v.version, j.updated_at,
           (SELECT count(*) FROM journey_entries e WHERE e.workspace_id = j.workspace_id AND e.journey_id = j.id AND e.status IN ('active', 'waiting'))::int AS in_flight,
           (SELECT count(*) FROM journey_entries e WHERE e.workspace_id = j.workspace_id AND e.journey_id = j.id AND e.status IN ('completed', 'exited'))::int AS completed,
           (SELECT count(*) FROM journey_entries e WHERE e.workspace_id = j.workspace_id AND e.journey_id = j.id AND e.status = 'converted')::int AS converted
    FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.id = j.current_version_id
    WHERE j.workspace_id = ${workspaceId}
    ORDER BY j.id DESC`.execute(db);
  return rows.map((r) => ({ id: r.id, name: r.name, state: r.state, version: r.version, updatedAt: r.updated_at, inFlight: r.in_flight, completed: r.completed, converted: r.converted }));
}

/** Every version of a journey, newest first. */
export async function listJourneyVersions(db: Db, workspaceId: number, journeyId: number) {
  await readJourney(db, workspaceId, journeyId);
  const rows = await db
    .selectFrom('journey_versions')
    .select(['id', 'version', 'graph', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, version: r.version, graph: r.graph, createdAt: r.created_at }));
}

/** Saves a new journey as a draft (version 1); the graph is validated with errors naming the node. */
export async function createJourney(db: Kysely<Database>, workspace: Workspace, input: JourneyInput, clock: Clock): Promise<Journey> {
  const graph = parseGraph(input.graph, await graphCapabilities(db, workspace.id));
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const journey = await trx
      .insertInto('journeys')
      .values({ workspace_id: workspace.id, name: input.name, state: 'draft', created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto('journey_versions')
      .values({ workspace_id: workspace.id, journey_id: journey.id, version: 1, graph: JSON.stringify(graph), created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('journeys').set({ current_version_id: version.id }).where('workspace_id', '=', workspace.id).where('id', '=', journey.id).execute();
    return readJourney(trx, workspace.id, journey.id);
  });
}

/**
 * Renames a journey or changes its graph. A draft's graph is replaced in place (nobody has entered it);
 * a live or paused journey gets a new version that new entries take, while customers in flight finish on
 * the version they entered. An archived journey cannot change.
 */
export async function updateJourney(db: Kysely<Database>, workspace: Workspace, id: number, patch: JourneyPatch, clock: Clock): Promise<Journey> {
  const graph = patch.graph === undefined ? undefined : parseGraph(patch.graph, await graphCapabilities(db, workspace.id));
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const current = await readJourney(trx, workspace.id, id, true);
    if (current.state === 'archived') throw new PatronError('conflict', `journey ${id} is archived and cannot change; copy it into a new journey instead`, { path: ['id'], value: id });
    if (graph && current.state === 'draft') {
      await trx.updateTable('journey_versions').set({ graph: JSON.stringify(graph), created_at: now }).where('workspace_id', '=', workspace.id).where('id', '=', current.versionId).execute();
    } else if (graph) {
      const version = await trx
        .insertInto('journey_versions')
        .values({ workspace_id: workspace.id, journey_id: id, version: current.version + 1, graph: JSON.stringify(graph), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.updateTable('journeys').set({ current_version_id: version.id }).where('workspace_id', '=', workspace.id).where('id', '=', id).execute();
    }
    await trx
      .updateTable('journeys')
      .set({ updated_at: now, ...(patch.name !== undefined ? { name: patch.name } : {}) })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .execute();
    return readJourney(trx, workspace.id, id);
  });
}

export const journeyActions = ['publish', 'pause', 'resume', 'archive'] as const;
export type JourneyAction = (typeof journeyActions)[number];

const transitions: Record<JourneyAction, { from: readonly JourneyState[]; to: JourneyState }> = {
  publish: { from: ['draft'], to: 'live' },
  pause: { from: ['live'], to: 'paused' },
  resume: { from: ['paused'], to: 'live' },
  archive: { from: ['draft', 'live', 'paused'], to: 'archived' },
};

/**
 * Moves a journey between states: publish (draft → live), pause (live → paused: no new entries, customers
 * in flight hold where they are), resume, archive (customers still in flight exit).
 */
export async function changeJourneyState(db: Kysely<Database>, workspace: Workspace, id: number, action: JourneyAction, clock: Clock): Promise<Journey> {
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const current = await readJourney(trx, workspace.id, id, true);
    const rule = transitions[action];
    if (!rule.from.includes(current.state)) {
      throw new PatronError('conflict', `journey ${id} is ${current.state}; ${action} works on a journey that is ${rule.from.join(' or ')}`, { path: ['id'], value: id });
    }
    if (action === 'publish' || action === 'resume') {
      // Loyalty may have gone away since the graph was saved: check again before customers enter.
      parseGraph(current.graph, await graphCapabilities(trx, workspace.id));
    }
    // Date and schedule triggers start counting from the moment the journey goes live.
    const triggerState = action === 'publish' ? { liveSince: now.toISOString() } : undefined;
    await trx
      .updateTable('journeys')
      .set({ state: rule.to, updated_at: now, ...(triggerState ? { trigger_state: JSON.stringify(triggerState) } : {}) })
      .where('workspace_id', '=', workspace.id)
      .where('id', '=', id)
      .execute();
    if (action === 'archive') {
      await trx
        .updateTable('journey_entries')
        .set({ status: 'exited', finished_at: now, last_error: 'journey archived' })
        .where('workspace_id', '=', workspace.id)
        .where('journey_id', '=', id)
        .where('status', 'in', ['active', 'waiting'])
        .execute();
    }
    return readJourney(trx, workspace.id, id);
  });
}
