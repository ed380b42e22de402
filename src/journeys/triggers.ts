import { Cron } from 'croner';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database, JsonObject } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { segmentEnteredEvent, segmentExitedEvent } from '../segments/index.ts';
import { enrolCustomers, type EnrolTarget } from './enrol.ts';
import type { JourneyGraph, PropertyFilter, Trigger } from './graph.ts';
import { localDay } from './time.ts';

type Trx = Transaction<Database>;

/**
 * Events younger than this are left for the next pass: an event id is taken when its row is inserted but
 * seen only at commit, so a slower transaction can commit a lower id after a higher one was read. The lag
 * gives such transactions time to commit before the cursor moves past their ids.
 */
export const eventSettleMs = 2_000;

/** Whether an event's properties pass every filter (the segment rule language's property operators). */
export function matchesFilters(properties: JsonObject, filters: readonly PropertyFilter[] | undefined): boolean {
  for (const f of filters ?? []) {
    const actual = properties[f.property];
    const expected = f.value;
    switch (f.op) {
      case 'exists':
        if (actual === undefined || actual === null) return false;
        break;
      case 'eq':
        if (String(actual) !== String(expected)) return false;
        break;
      case 'neq':
        if (String(actual) === String(expected)) return false;
        break;
      case 'in':
        if (!Array.isArray(expected) || !expected.map(String).includes(String(actual))) return false;
        break;
      case 'contains':
        if (typeof actual !== 'string' || !actual.includes(String(expected))) return false;
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const a = Number(actual);
        const b = Number(expected);
        if (actual === null || actual === undefined || Number.isNaN(a) || Number.isNaN(b)) return false;
        if (f.op === 'gt' ? !(a > b) : f.op === 'gte' ? !(a >= b) : f.op === 'lt' ? !(a < b) : !(a <= b)) return false;
        break;
      }
    }
  }
  return true;
}

/** The event a trigger listens to, with its filters; segment entry and exit are the segment events. */
function triggerEvent(trigger: Trigger): { name: string; where: readonly PropertyFilter[] } | undefined {
  switch (trigger.kind) {
    case 'event':
      return { name: trigger.event, where: trigger.where ?? [] };
    case 'segment':
      return { name: trigger.on === 'entry' ? segmentEnteredEvent : segmentExitedEvent, where: [{ property: 'segment_id', op: 'eq', value: trigger.segmentId }] };
    case 'date':
    case 'schedule':
    case 'api':
      return undefined;
  }
}

interface LiveJourney extends EnrolTarget {
  readonly liveSince: Date;
  readonly triggerState: JsonObject;
}

async function liveJourneys(db: Kysely<Database> | Trx, workspaceId: number | undefined): Promise<(LiveJourney & { workspaceId: number })[]> {
  let query = db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.workspace_id', '=', 'j.workspace_id').onRef('v.id', '=', 'j.current_version_id'))
    .select(['j.workspace_id', 'j.id', 'j.trigger_state', 'v.id as version_id', 'v.graph'])
    .where('j.state', '=', 'live');
  if (workspaceId !== undefined) query = query.where('j.workspace_id', '=', workspaceId);
  const rows = await query.execute();
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    journeyId: r.id,
    versionId: r.version_id,
    graph: r.graph as unknown as JourneyGraph,
    triggerState: r.trigger_state,
    liveSince: new Date(String(r.trigger_state.liveSince ?? '1970-01-01T00:00:00Z')),
  }));
}

interface EventRow {
  id: number;
  customer_id: number;
  name: string;
  properties: JsonObject;
  received_at: Date;
}

/** What one pass over new events did. */
export interface EventPass {
  readonly events: number;
  readonly enrolled: number;
  readonly resumed: number;
  readonly converted: number;
}

/**
 * Reads each workspace's new events once, by id cursor (no work is added to the ingest path), and in one
 * transaction per workspace: ends entries whose goal event happened (a conversion), resumes entries waiting
 * for an event, and enrols customers into live journeys whose trigger the event matches.
 */
export async function processJourneyEvents(db: Kysely<Database>, clock: Clock, options: { batch?: number } = {}): Promise<EventPass> {
  const now = clock.now();
  const workspaces = await sql<{ workspace_id: number }>`
    SELECT DISTINCT workspace_id FROM journeys WHERE state IN ('live', 'paused')`.execute(db);
  const total = { events: 0, enrolled: 0, resumed: 0, converted: 0 };
  for (const { workspace_id: ws } of workspaces.rows) {
    const pass = await db.transaction().execute((trx) => eventPassForWorkspace(trx, ws, now, options.batch ?? 5_000));
    total.events += pass.events;
    total.enrolled += pass.enrolled;
    total.resumed += pass.resumed;
    total.converted += pass.converted;
  }
  return total;
}

async function eventPassForWorkspace(trx: Trx, ws: number, now: Date, batch: number): Promise<EventPass> {
  // The first pass starts after the events that exist now: journeys react to what happens from here on.
  await sql`INSERT INTO journey_event_cursors (workspace_id, last_event_id)
            SELECT ${ws}, coalesce(max(id), 0) FROM events WHERE workspace_id = ${ws}
            ON CONFLICT (workspace_id) DO NOTHING`.execute(trx);
  const cursor = await trx.selectFrom('journey_event_cursors').select('last_event_id').where('workspace_id', '=', ws).forUpdate().executeTakeFirstOrThrow();
  const { rows: fetched } = await sql<EventRow>`
    SELECT id, customer_id, name, properties, received_at FROM events
    WHERE workspace_id = ${ws} AND id > ${cursor.last_event_id}
    ORDER BY id LIMIT ${batch}`.execute(trx);
  const settled = new Date(now.getTime() - eventSettleMs);
  const cut = fetched.findIndex((e) => e.received_at > settled);
  const events = (cut === -1 ? fetched : fetched.slice(0, cut)).filter((e) => e.customer_id !== null && e.name !== null);
  const lastId = (cut === -1 ? fetched : fetched.slice(0, cut)).at(-1)?.id;
  if (lastId === undefined) return { events: 0, enrolled: 0, resumed: 0, converted: 0 };
  const customerIds = [...new Set(events.map((e) => e.customer_id))];
  const names = [...new Set(events.map((e) => e.name))];
  const converted = await convertGoals(trx, ws, events, customerIds, names, now);
  const resumed = await resumeWaiting(trx, ws, events, customerIds, names, now);
  let enrolled = 0;
  for (const journey of await liveJourneys(trx, ws)) {
    const listens = triggerEvent(journey.graph.trigger);
    if (!listens) continue;
    const matching = events.filter((e) => e.name === listens.name && e.received_at >= journey.liveSince && matchesFilters(e.properties, listens.where));
    if (matching.length === 0) continue;
    const made = await enrolCustomers(trx, journey, matching.map((e) => ({ customerId: e.customer_id, context: { event: { name: e.name, properties: e.properties } } })), now);
    enrolled += made.length;
  }
  await trx.updateTable('journey_event_cursors').set({ last_event_id: lastId }).where('workspace_id', '=', ws).execute();
  return { events: events.length, enrolled, resumed, converted };
}

/** A goal event ends the customer's open entry of that journey as a conversion. */
async function convertGoals(trx: Trx, ws: number, events: readonly EventRow[], customerIds: number[], names: string[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await sql<{ id: number; customer_id: number; entered_at: Date; goal: { event: string; where?: PropertyFilter[] } }>`
    SELECT e.id, e.customer_id, e.entered_at, v.graph->'goal' AS goal
    FROM journey_entries e JOIN journey_versions v ON v.workspace_id = e.workspace_id AND v.id = e.version_id
    WHERE e.workspace_id = ${ws} AND e.status IN ('active', 'waiting') AND e.customer_id = ANY(${customerIds}::bigint[])
      AND v.graph->'goal'->>'event' = ANY(${names}::text[])
    FOR UPDATE OF e`.execute(trx);
  const done: { id: number; customerId: number; eventId: number }[] = [];
  for (const entry of rows) {
    const hit = events.find((ev) => ev.customer_id === entry.customer_id && ev.name === entry.goal.event && ev.received_at >= entry.entered_at && matchesFilters(ev.properties, entry.goal.where));
    if (hit) done.push({ id: entry.id, customerId: entry.customer_id, eventId: hit.id });
  }
  if (done.length === 0) return 0;
  await sql`
    UPDATE journey_entries e SET status = 'converted', finished_at = ${now}, waiting_for = NULL,
           context = e.context || jsonb_build_object('conversion', jsonb_build_object('eventId', u.event_id, 'at', ${now.toISOString()}::text))
    FROM unnest(${done.map((d) => d.customerId)}::bigint[], ${done.map((d) => d.id)}::bigint[], ${done.map((d) => d.eventId)}::bigint[]) AS u(customer_id, id, event_id)
    WHERE e.workspace_id = ${ws} AND e.customer_id = u.customer_id AND e.id = u.id`.execute(trx);
  return done.length;
}

/** An entry waiting for an event goes on to the wait's next node when a matching event arrives. */
async function resumeWaiting(trx: Trx, ws: number, events: readonly EventRow[], customerIds: number[], names: string[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await sql<{ id: number; customer_id: number; node: { next: string; event: string; where?: PropertyFilter[] }; since: string | null }>`
    SELECT e.id, e.customer_id, v.graph->'nodes'->e.node_id AS node, e.context->>'waitingSince' AS since
    FROM journey_entries e JOIN journey_versions v ON v.workspace_id = e.workspace_id AND v.id = e.version_id
    WHERE e.workspace_id = ${ws} AND e.status = 'waiting' AND e.waiting_for = ANY(${names}::text[]) AND e.customer_id = ANY(${customerIds}::bigint[])
    FOR UPDATE OF e`.execute(trx);
  const moves: { id: number; customerId: number; next: string }[] = [];
  for (const entry of rows) {
    const since = entry.since ? new Date(entry.since) : new Date(0);
    const hit = events.some((ev) => ev.customer_id === entry.customer_id && ev.name === entry.node.event && ev.received_at >= since && matchesFilters(ev.properties, entry.node.where));
    if (hit) moves.push({ id: entry.id, customerId: entry.customer_id, next: entry.node.next });
  }
  if (moves.length === 0) return 0;
  await sql`
    UPDATE journey_entries e SET status = 'active', node_id = u.next, due_at = ${now}, waiting_for = NULL
    FROM unnest(${moves.map((m) => m.customerId)}::bigint[], ${moves.map((m) => m.id)}::bigint[], ${moves.map((m) => m.next)}::text[]) AS u(customer_id, id, next)
    WHERE e.workspace_id = ${ws} AND e.customer_id = u.customer_id AND e.id = u.id`.execute(trx);
  return moves.length;
}

/** What one pass over date and schedule triggers did. */
export interface TimePass {
  readonly journeys: number;
  readonly enrolled: number;
}

const enrolChunk = 5_000;

async function enrolAll(trx: Trx, journey: EnrolTarget, customerIds: readonly number[], now: Date): Promise<number> {
  let made = 0;
  for (let i = 0; i < customerIds.length; i += enrolChunk) {
    made += (await enrolCustomers(trx, journey, customerIds.slice(i, i + enrolChunk).map((customerId) => ({ customerId })), now)).length;
  }
  return made;
}

/**
 * Date triggers (birthday, signup anniversary, N days after the last order) scan once per day in the
 * workspace time zone; schedule triggers enrol a segment's current members when their cron comes due
 * (missed runs collapse into one). Each journey is handled in its own transaction with its row locked, so
 * two workers never enrol the same day or run twice.
 */
export async function runTimeTriggers(db: Kysely<Database>, clock: Clock, workspaces: (id: number) => Promise<Workspace>): Promise<TimePass> {
  const now = clock.now();
  let journeys = 0;
  let enrolled = 0;
  for (const candidate of await liveJourneys(db, undefined)) {
    const kind = candidate.graph.trigger.kind;
    if (kind !== 'date' && kind !== 'schedule') continue;
    const workspace = await workspaces(candidate.workspaceId);
    const made = await db.transaction().execute(async (trx) => {
      const locked = await trx
        .selectFrom('journeys')
        .select(['trigger_state', 'state', 'current_version_id'])
        .where('workspace_id', '=', candidate.workspaceId)
        .where('id', '=', candidate.journeyId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (locked.state !== 'live' || locked.current_version_id !== candidate.versionId) return null;
      const state = locked.trigger_state;
      const trigger = candidate.graph.trigger;
      if (trigger.kind === 'date') {
        const today = localDay(now, workspace.timezone);
        if (state.lastDay === today) return null;
        const ids = await dateMatches(trx, workspace, trigger, today);
        const count = await enrolAll(trx, candidate, ids, now);
        await setTriggerState(trx, candidate, { lastDay: today });
        return count;
      }
      if (trigger.kind === 'schedule') {
        const last = new Date(String(state.lastRun ?? state.liveSince ?? now.toISOString()));
        const next = new Cron(trigger.cron, { timezone: workspace.timezone, paused: true }).nextRun(last);
        if (!next || next > now) return null;
        const members = await trx
          .selectFrom('segment_memberships')
          .select('customer_id')
          .where('workspace_id', '=', workspace.id)
          .where('segment_id', '=', trigger.segmentId)
          .where('exited_at', 'is', null)
          .execute();
        const count = await enrolAll(trx, candidate, members.map((m) => m.customer_id), now);
        await setTriggerState(trx, candidate, { lastRun: now.toISOString() });
        return count;
      }
      return null;
    });
    if (made !== null) {
      journeys++;
      enrolled += made;
    }
  }
  return { journeys, enrolled };
}

async function setTriggerState(trx: Trx, journey: LiveJourney, patch: JsonObject): Promise<void> {
  await sql`UPDATE journeys SET trigger_state = trigger_state || ${JSON.stringify(patch)}::jsonb
            WHERE workspace_id = ${journey.workspaceId} AND id = ${journey.journeyId}`.execute(trx);
}

async function dateMatches(trx: Trx, workspace: Workspace, trigger: Extract<Trigger, { kind: 'date' }>, today: string): Promise<number[]> {
  const monthDay = today.slice(5);
  const year = Number(today.slice(0, 4));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  // People born on 29 February celebrate on 28 February in other years.
  const days = monthDay === '02-28' && !leap ? ['02-28', '02-29'] : [monthDay];
  const ws = workspace.id;
  const tz = workspace.timezone;
  let rows: { id: number }[];
  switch (trigger.field) {
    case 'birthday':
      ({ rows } = await sql<{ id: number }>`
        SELECT id FROM customers WHERE workspace_id = ${ws} AND merged_into IS NULL AND birthday IS NOT NULL
          AND to_char(birthday::date, 'MM-DD') = ANY(${days}::text[])`.execute(trx));
      break;
    case 'signup_anniversary':
      ({ rows } = await sql<{ id: number }>`
        SELECT id FROM customers WHERE workspace_id = ${ws} AND merged_into IS NULL AND signed_up_at IS NOT NULL
          AND to_char(signed_up_at AT TIME ZONE ${tz}, 'MM-DD') = ANY(${days}::text[])
          AND (signed_up_at AT TIME ZONE ${tz})::date < ${today}::date`.execute(trx));
      break;
    case 'days_after_last_order':
      if (trigger.days === undefined) throw new PatronError('invalid_input', 'a days_after_last_order trigger needs days', { path: ['graph', 'trigger', 'days'] });
      ({ rows } = await sql<{ id: number }>`
        SELECT s.customer_id AS id FROM customer_stats s JOIN customers c ON c.workspace_id = s.workspace_id AND c.id = s.customer_id AND c.merged_into IS NULL
        WHERE s.workspace_id = ${ws} AND (s.last_order_at AT TIME ZONE ${tz})::date = ${today}::date - ${trigger.days}::int`.execute(trx));
      break;
  }
  return rows.map((r) => r.id);
}

/** Enrols customers into a live journey with an API trigger; returns the entries made (re-entry policy applies). */
export async function enrolThroughApi(
  db: Kysely<Database>,
  workspace: Workspace,
  journeyId: number,
  input: { customerIds: readonly number[]; variables?: JsonObject | undefined },
  clock: Clock,
): Promise<{ entered: { entryId: number; customerId: number }[]; skipped: number[] }> {
  const journey = (await liveJourneys(db, workspace.id)).find((j) => j.journeyId === journeyId);
  if (!journey) throw new PatronError('conflict', `journey ${journeyId} is not live (or does not exist); publish it before enrolling customers`, { path: ['id'], value: journeyId });
  if (journey.graph.trigger.kind !== 'api') throw new PatronError('conflict', `journey ${journeyId} starts on a ${journey.graph.trigger.kind} trigger, not an API call`, { path: ['id'], value: journeyId });
  const now = clock.now();
  const entered = await db.transaction().execute((trx) =>
    enrolCustomers(trx, journey, input.customerIds.map((customerId) => ({ customerId, context: input.variables ?? {} })), now),
  );
  const made = new Set(entered.map((e) => e.customerId));
  return { entered, skipped: [...new Set(input.customerIds)].filter((id) => !made.has(id)) };
}
