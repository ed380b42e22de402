import { createHash } from 'node:crypto';
import { z } from 'zod';
import { identityTypes } from '../../access/index.ts';
import { resolveCustomers, type Identity } from '../../customers/index.ts';
import type { EventType, JsonObject } from '../../db/index.ts';
import { recordEvents, type EventRow } from '../../events/index.ts';
import { identityCell, jsonObjectCell, requiredDateCell, textCell } from './cell-values.ts';
import { arrayBatch, emptyOutcome, extraKey, fail, freeFormObject, identitiesOf, identityKeys, rowSchema, type KindImporter, type RowContext } from './import-kind.ts';
import type { SourceRow } from './read-rows.ts';

/** A valid events row. */
export interface EventLine {
  readonly identities: Identity[];
  readonly type: EventType;
  readonly name: string | null;
  readonly occurredAt: Date;
  readonly properties: JsonObject;
  readonly messageId: string | undefined;
}

const eventTypes: readonly EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias'];

const eventNamed = new Set<EventType>(['track', 'page', 'screen']);

function eventSchema(ctx: RowContext, present: ReadonlySet<string> | undefined): z.ZodType<EventLine, unknown> {
  const shape = {
    ...(Object.fromEntries(identityTypes.map((type) => [`customer.${type}`, identityCell(type, ctx.country)])) as Record<string, ReturnType<typeof identityCell>>),
    event: textCell(200),
    type: textCell(20),
    timestamp: requiredDateCell(ctx.parseDate, 'the timestamp is empty'),
    properties: jsonObjectCell(),
    message_id: textCell(200),
    [extraKey]: z.record(z.string(), z.unknown()).optional(),
  };
  return rowSchema(shape, present, (r, issues): EventLine => {
    const type = (r.type?.toLowerCase() ?? 'track') as EventType;
    if (!eventTypes.includes(type)) return fail(issues, 'type', `"${r.type}" is not an event type: use ${eventTypes.join(', ')}`);
    if (type === 'track' && r.event === undefined) return fail(issues, 'event', 'a track event needs its name');
    const ids = identitiesOf(r, identityKeys.customer);
    if (ids.length === 0) return fail(issues, '', `the row names no one: map one of ${identityKeys.customer.join(', ')}`);
    return {
      identities: ids,
      type,
      name: eventNamed.has(type) ? (r.event ?? null) : null,
      occurredAt: r.timestamp.at,
      properties: { ...r.properties, ...freeFormObject(r[extraKey]) },
      messageId: r.message_id,
    };
  });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The message id of a row that has none: a hash of the row's content, so re-importing the file (or a
 * later export holding the same rows) lands each event once. Identical rows are one event.
 */
export function derivedMessageId(source: SourceRow): string {
  return `import-${createHash('sha256').update(canonical(source.cells)).digest('base64url').slice(0, 32)}`;
}

/** Events: attributed to the profile of their identities, de-duplicated by message id. */
export function eventImporter(ctx: RowContext, present?: ReadonlySet<string>): KindImporter<EventLine> {
  return { schema: eventSchema(ctx, present), createBatch: eventBatch(ctx) };
}

/** Writes valid event rows: each to the profile of its identities, once per message id. */
export function eventBatch(ctx: RowContext): KindImporter<EventLine>['createBatch'] {
  return (workspace, run) =>
    arrayBatch<EventLine>((rows) => async (trx) => {
      const outcome = emptyOutcome();
      const customerIds = await resolveCustomers(trx, workspace, rows.map(({ row }) => ({ identities: row.identities })), 'import');
      const events: EventRow[] = rows.map(({ row, source }, i) => ({
        messageId: row.messageId ?? derivedMessageId(source),
        customerId: customerIds[i]!,
        anonymousId: row.identities.find((id) => id.type === 'anonymous_id')?.value ?? null,
        type: row.type,
        name: row.name,
        occurredAt: row.occurredAt,
        receivedAt: run.startedAt,
        properties: row.properties,
        context: { source: 'import', file: ctx.fileName },
      }));
      const fresh = await recordEvents(trx, workspace.id, events);
      outcome.inserted = fresh.size;
      outcome.unchanged = rows.length - fresh.size;
      return outcome;
    });
}
