import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';

export const entriesQuerySchema = z.object({
  customerId: z.coerce.number().int().positive().optional(),
  status: z.enum(['active', 'waiting', 'completed', 'exited', 'converted', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().optional().describe('Cursor: the last entry id of the previous page'),
});
export type EntriesQuery = z.infer<typeof entriesQuerySchema>;

/** A journey's entries (customers who entered it), newest first: where each is, since when, and how it ended. */
export async function listEntries(db: Kysely<Database>, workspaceId: number, journeyId: number, query: EntriesQuery) {
  let q = db
    .selectFrom('journey_entries as e')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.workspace_id', '=', 'e.workspace_id').onRef('v.id', '=', 'e.version_id'))
    .select(['e.id', 'e.customer_id', 'v.version', 'e.node_id', 'e.status', 'e.due_at', 'e.waiting_for', 'e.context', 'e.last_error', 'e.attempts', 'e.entered_at', 'e.finished_at'])
    .where('e.workspace_id', '=', workspaceId)
    .where('e.journey_id', '=', journeyId)
    .orderBy('e.id', 'desc')
    .limit(query.limit);
  if (query.customerId !== undefined) q = q.where('e.customer_id', '=', query.customerId);
  if (query.status !== undefined) q = q.where('e.status', '=', query.status);
  if (query.before !== undefined) q = q.where('e.id', '<', query.before);
  const rows = await q.execute();
  return {
    entries: rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      version: r.version,
      nodeId: r.node_id,
      status: r.status,
      dueAt: r.due_at,
      waitingFor: r.waiting_for,
      splits: (r.context.splits as Record<string, string> | undefined) ?? {},
      lastError: r.last_error,
      attempts: r.attempts,
      enteredAt: r.entered_at,
      finishedAt: r.finished_at,
    })),
    nextCursor: rows.length === query.limit ? rows.at(-1)!.id : null,
  };
}

export const tasksQuerySchema = z.object({
  assignee: z.string().min(1).max(200).optional(),
  status: z.enum(['open', 'done']).optional(),
  customerId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type TasksQuery = z.infer<typeof tasksQuerySchema>;

/** Account-manager tasks created by journeys, soonest due first. */
export async function listTasks(db: Kysely<Database>, workspaceId: number, query: TasksQuery) {
  let q = db
    .selectFrom('journey_tasks')
    .select(['id', 'customer_id', 'journey_id', 'entry_id', 'node_id', 'title', 'assignee', 'due_at', 'status', 'created_at', 'done_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('due_at')
    .orderBy('id')
    .limit(query.limit);
  if (query.assignee !== undefined) q = q.where('assignee', '=', query.assignee);
  if (query.status !== undefined) q = q.where('status', '=', query.status);
  if (query.customerId !== undefined) q = q.where('customer_id', '=', query.customerId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    customerId: r.customer_id,
    journeyId: r.journey_id,
    entryId: r.entry_id,
    step: r.node_id,
    title: r.title,
    assignee: r.assignee,
    dueAt: r.due_at,
    status: r.status,
    createdAt: r.created_at,
    doneAt: r.done_at,
  }));
}

/** Marks a task done. */
export async function completeTask(db: Kysely<Database>, workspaceId: number, id: number, clock: Clock) {
  const row = await db
    .updateTable('journey_tasks')
    .set({ status: 'done', done_at: clock.now() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning(['id'])
    .executeTakeFirst();
  if (!row) {
    const exists = await db.selectFrom('journey_tasks').select('id').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!exists) throw new PatronError('not_found', `task ${id} does not exist`, { path: ['id'], value: id });
    throw new PatronError('conflict', `task ${id} is already done`, { path: ['id'], value: id });
  }
  return { id, status: 'done' as const };
}
