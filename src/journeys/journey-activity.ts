import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Trigger } from './graph.ts';
import { getJourney } from './journeys.ts';

/** A journey's trigger (of its current version) and how many entries it has had, for the journeys list. */
export interface JourneyActivity {
  readonly trigger: Trigger;
  readonly entered: number;
  readonly failed: number;
}

/** Every journey's current trigger and entry totals, by journey id. */
export async function journeyActivity(db: Kysely<Database>, workspaceId: number): Promise<Map<number, JourneyActivity>> {
  const { rows } = await sql<{ id: number; trigger: Trigger; entered: number; failed: number }>`
    SELECT j.id, v.graph->'trigger' AS trigger,
           (SELECT count(*) FROM journey_entries e WHERE e.workspace_id = j.workspace_id AND e.journey_id = j.id)::int AS entered,
           (SELECT count(*) FROM journey_entries e WHERE e.workspace_id = j.workspace_id AND e.journey_id = j.id AND e.status = 'failed')::int AS failed
    FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.id = j.current_version_id
    WHERE j.workspace_id = ${workspaceId}`.execute(db);
  return new Map(rows.map((r) => [r.id, { trigger: r.trigger, entered: r.entered, failed: r.failed }]));
}

/** Where a journey's customers are and have been, per step (node id), over every version. */
export interface StepCounts {
  readonly nodeId: string;
  /** Entries at this step now (running it or waiting in it). */
  readonly current: number;
  /** Entries that finished here: completed, exited or converted with this as their last step. */
  readonly finished: number;
  /** Entries that failed at this step (e.g. a webhook that kept refusing). */
  readonly failed: number;
  /** Messages this step queued (send steps). */
  readonly messages: number;
}

/** Per-step counts of a journey for the canvas of a live journey; steps nobody reached are left out. */
export async function journeyStepCounts(db: Kysely<Database>, workspaceId: number, journeyId: number): Promise<StepCounts[]> {
  await getJourney(db, workspaceId, journeyId);
  const { rows } = await sql<{ node_id: string; current: number; finished: number; failed: number; messages: number }>`
    WITH positions AS (
      SELECT node_id,
             count(*) FILTER (WHERE status IN ('active', 'waiting'))::int AS current,
             count(*) FILTER (WHERE status IN ('completed', 'exited', 'converted'))::int AS finished,
             count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM journey_entries WHERE workspace_id = ${workspaceId} AND journey_id = ${journeyId}
      GROUP BY node_id
    ), sends AS (
      SELECT step_id AS node_id, count(*)::int AS messages
      FROM messages WHERE workspace_id = ${workspaceId} AND source_kind = 'journey' AND source_id = ${journeyId} AND step_id IS NOT NULL
      GROUP BY step_id
    )
    SELECT coalesce(p.node_id, s.node_id) AS node_id, coalesce(p.current, 0) AS current, coalesce(p.finished, 0) AS finished,
           coalesce(p.failed, 0) AS failed, coalesce(s.messages, 0) AS messages
    FROM positions p FULL JOIN sends s ON s.node_id = p.node_id
    ORDER BY 1`.execute(db);
  return rows.map((r) => ({ nodeId: r.node_id, current: r.current, finished: r.finished, failed: r.failed, messages: r.messages }));
}
