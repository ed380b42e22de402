/** A timestamp field that could not be read as a date. */
export interface BadTimestamp {
  readonly field: 'timestamp' | 'originalTimestamp' | 'sentAt';
  readonly value: unknown;
}

// ISO-8601 date-times without an offset are read as UTC (the spec's timestamps are UTC), never in the server's zone.
const noOffset = /^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Reads an ISO-8601 string (or epoch milliseconds) as a Date; undefined when absent, null when unreadable. */
export function parseTimestamp(value: unknown): Date | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = Date.parse(noOffset.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value.trim());
  else return null;
  // Years 1000..9999 only: anything else is a unit mistake (seconds for milliseconds) or garbage.
  if (!Number.isFinite(ms) || ms < -30610224000000 || ms > 253402300799999) return null;
  return new Date(ms);
}

/**
 * When an event happened, corrected for the client's clock (Segment Spec, Common Fields, "timestamp"):
 * `timestamp = receivedAt − (sentAt − originalTimestamp)`, where originalTimestamp is the client's
 * `originalTimestamp` or else its `timestamp`, and sentAt is the message's or else the batch's (parsed once
 * by the caller).
 * A message that carries both `originalTimestamp` and `timestamp` set its timestamp on purpose
 * (RudderStack's rule: "use existing timestamp if it exists"), so that one is kept as sent. Without
 * sentAt there is no skew to measure and the client's time is kept; without any time, receivedAt.
 * Unreadable fields are reported and treated as absent, so that a bad clock never costs the event.
 */
export function eventTime(
  message: { readonly timestamp?: unknown; readonly originalTimestamp?: unknown; readonly sentAt?: unknown },
  batchSentAt: Date | undefined,
  receivedAt: Date,
): { occurredAt: Date; bad: BadTimestamp[] } {
  const bad: BadTimestamp[] = [];
  const read = (field: BadTimestamp['field'], value: unknown) => {
    const date = parseTimestamp(value);
    if (date === null) {
      bad.push({ field, value });
      return undefined;
    }
    return date;
  };
  const timestamp = read('timestamp', message.timestamp);
  const original = read('originalTimestamp', message.originalTimestamp);
  const sentAt = read('sentAt', message.sentAt) ?? batchSentAt;

  if (original && timestamp) return { occurredAt: timestamp, bad };
  const clientTime = original ?? timestamp;
  if (clientTime && sentAt) return { occurredAt: new Date(receivedAt.getTime() - (sentAt.getTime() - clientTime.getTime())), bad };
  return { occurredAt: clientTime ?? receivedAt, bad };
}
