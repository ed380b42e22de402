import { z } from 'zod';
import type { EventType, JsonObject } from '../../db/index.ts';
import { invalidInput } from '../../lib/errors.ts';
import { batchMessageSizes } from './message-sizes.ts';

/**
 * The Segment HTTP Tracking API limits: 32 KB per call, 500 KB per batch request, 32 KB per message in a
 * batch, 2,500 messages per batch, message ids under 100 characters
 * (segment.com/docs/connections/sources/catalog/libraries/server/http-api, "Max request size" and "Errors").
 */
export const trackingLimits = {
  callBytes: 32 * 1024,
  batchBytes: 500 * 1024,
  messageBytes: 32 * 1024,
  batchMessages: 2500,
  messageIdLength: 100,
} as const;

/** The call types of the Segment spec, which are also Patron's event types. */
export const trackingCallTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const satisfies readonly EventType[];
export type TrackingCallType = (typeof trackingCallTypes)[number];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
// A JSON object taken as it is: checking its shape only, without copying it key by key, keeps parsing cheap.
const jsonObject = z.custom<JsonObject>(isObject, { error: (issue) => (issue.input === undefined ? 'Required' : 'expected an object') }).meta({ type: 'object' });

// Ids are strings in the spec; some HTTP senders send numbers, and browsers send null before a user is known.
const idError = { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'Required' : 'expected a string or a number') };
const optionalId = z
  .union([z.string(), z.number()], idError)
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : String(v).trim() || undefined));
const requiredId = z
  .union([z.string(), z.number()], idError)
  .transform((v) => String(v).trim())
  .pipe(z.string().min(1, 'must not be empty'));
// Timestamps are read leniently later (see event-time.ts): a bad one costs a warning, not the event.
const timestampField = z.unknown().optional().describe('ISO-8601 date-time (UTC when it has no offset)');
const label = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

/** The fields every call type shares (Segment Spec: Common Fields). Other fields are accepted and not stored. */
const commonFields = {
  messageId: z.string().trim().min(1, 'must not be empty').max(trackingLimits.messageIdLength, `at most ${trackingLimits.messageIdLength} characters (Segment's limit)`).optional(),
  userId: optionalId,
  anonymousId: optionalId,
  context: jsonObject.nullish(),
  integrations: jsonObject.nullish(),
  timestamp: timestampField,
  originalTimestamp: timestampField,
  sentAt: timestampField,
};

/**
 * One schema per call type, as the Segment Spec defines them. Every type but alias also needs userId or
 * anonymousId, checked after parsing (see toMessage): the rule spans two fields.
 */
export const trackingMessageSchemas = {
  identify: z.object({ ...commonFields, traits: jsonObject.nullish() }),
  track: z.object({ ...commonFields, event: label(200).min(1, 'must not be empty'), properties: jsonObject.nullish() }),
  page: z.object({ ...commonFields, name: label(500).nullish(), category: label(200).nullish(), properties: jsonObject.nullish() }),
  screen: z.object({ ...commonFields, name: label(500).nullish(), category: label(200).nullish(), properties: jsonObject.nullish() }),
  group: z.object({ ...commonFields, groupId: requiredId, traits: jsonObject.nullish() }),
  alias: z.object({ ...commonFields, previousId: requiredId, userId: requiredId }),
} as const;

/** The body of a batch call: messages of any type, with optional context, integrations and sentAt for all of them. */
export const trackingBatchSchema = z.looseObject({
  // Each message is checked against the schema of its type below, naming its index in errors.
  batch: z.array(z.unknown()).max(trackingLimits.batchMessages, `at most ${trackingLimits.batchMessages} messages per batch (Segment's limit); split the batch`),
  context: jsonObject.nullish(),
  integrations: jsonObject.nullish(),
  sentAt: timestampField,
  writeKey: z.string().optional(),
});

/** A message as the ingest pipeline reads it: validated, with the fields of every call type optional. */
export interface TrackingMessage {
  readonly type: TrackingCallType;
  readonly messageId?: string | undefined;
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly previousId?: string | undefined;
  readonly groupId?: string | undefined;
  readonly event?: string | undefined;
  readonly name?: string | null | undefined;
  readonly category?: string | null | undefined;
  readonly properties?: JsonObject | null | undefined;
  readonly traits?: JsonObject | null | undefined;
  readonly context?: JsonObject | null | undefined;
  readonly timestamp?: unknown;
  readonly originalTimestamp?: unknown;
  readonly sentAt?: unknown;
  /** The message as received (before defaults), used to derive a message id when none was sent. */
  readonly raw: JsonObject;
}

/** What one HTTP call carries: its messages and the batch-level fields that apply to all of them. */
export interface TrackingPayload {
  readonly messages: readonly TrackingMessage[];
  /** A batch call: warnings and errors name messages as batch[i]. */
  readonly batched: boolean;
  readonly context?: JsonObject | undefined;
  readonly sentAt?: unknown;
}

const formatPath = (path: readonly PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

// Missing fields read "Required", as Segment's and zod 3's messages did, instead of zod 4's "expected string, received undefined".
const messages: z.core.$ZodErrorMap = (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : undefined);

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: readonly (string | number)[]): z.output<T> {
  const parsed = schema.safeParse(value, { error: messages });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 20).map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    return { path: formatPath(path) || 'body', message: issue.message };
  });
  const first = issues[0]!;
  const path = [...prefix, ...parsed.error.issues[0]!.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  throw invalidInput(`${first.path}: ${first.message}`, { path, issues });
}

function toMessage(type: TrackingCallType, raw: JsonObject, prefix: readonly (string | number)[]): TrackingMessage {
  // zod returns a fresh object: completing it in place saves a copy per message.
  const parsed = parseOrThrow(trackingMessageSchemas[type], raw, prefix) as { -readonly [K in keyof TrackingMessage]: TrackingMessage[K] };
  if (parsed.userId === undefined && parsed.anonymousId === undefined) {
    const path = [...prefix, 'userId'];
    throw invalidInput(`${formatPath(path)}: userId or anonymousId is required`, { path });
  }
  parsed.type = type;
  parsed.raw = raw;
  return parsed;
}

/** Validates the body of a single call (`/v1/track` and the like); errors name the field ("event: Required"). */
export function parseTrackingCall(type: TrackingCallType, body: unknown): TrackingPayload {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidInput('body: send one JSON object', { path: [] });
  const raw: JsonObject = { ...(body as JsonObject), type };
  delete raw.writeKey;
  return { messages: [toMessage(type, raw, [])], batched: false };
}

/**
 * Validates the body of a batch call; errors name the message and field ("batch[3].event: Required").
 * A message over 32 KB is refused by name, as the spec limits each message of a batch; give the JSON
 * text as received so that messages are measured by scanning it rather than serializing each again.
 */
export function parseTrackingBatch(body: unknown, text?: string): TrackingPayload {
  const batch = parseOrThrow(trackingBatchSchema, body, []);
  // A body under the per-message limit cannot hold an oversized message.
  const small = text !== undefined && Buffer.byteLength(text) <= trackingLimits.messageBytes;
  const scanned = small || text === undefined ? undefined : batchMessageSizes(text);
  const sizes = scanned?.length === batch.batch.length ? scanned : undefined;
  const messages = batch.batch.map((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidInput(`batch[${index}]: expected a message object`, { path: ['batch', index] });
    const type = (item as JsonObject).type;
    if (!trackingCallTypes.includes(type as TrackingCallType)) {
      const message = type === undefined ? 'Required' : `expected one of ${trackingCallTypes.join(', ')}`;
      throw invalidInput(`batch[${index}].type: ${message}`, { path: ['batch', index, 'type'] });
    }
    if (!small) {
      const bytes = sizes?.[index] ?? Buffer.byteLength(JSON.stringify(item));
      if (bytes > trackingLimits.messageBytes) {
        throw invalidInput(`batch[${index}]: the message is ${bytes} bytes; a message may be at most ${trackingLimits.messageBytes} bytes (32 KB, Segment's limit)`, {
          path: ['batch', index],
          limitBytes: trackingLimits.messageBytes,
        });
      }
    }
    return toMessage(type as TrackingCallType, item as JsonObject, ['batch', index]);
  });
  return { messages, batched: true, context: batch.context ?? undefined, sentAt: batch.sentAt };
}
