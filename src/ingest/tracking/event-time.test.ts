import { describe, expect, it } from 'vitest';
import { eventTime, parseTimestamp } from './event-time.ts';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');

describe('eventTime (Segment Spec: timestamp = receivedAt − (sentAt − originalTimestamp))', () => {
  it('corrects the client clock by the skew between sentAt and receivedAt', () => {
    // The device clock runs 1 hour fast: it recorded the event at 12:59:50 and sent it at 13:00:00 (device time).
    const { occurredAt, bad } = eventTime({ timestamp: '2024-05-01T12:59:50.000Z', sentAt: '2024-05-01T13:00:00.000Z' }, undefined, receivedAt);
    expect(occurredAt.toISOString()).toBe('2024-05-01T11:59:50.000Z');
    expect(bad).toEqual([]);
  });

  it('reads originalTimestamp as the client time and the batch sentAt when the message has none', () => {
    const { occurredAt } = eventTime({ originalTimestamp: '2024-05-01T09:00:00.000Z' }, new Date('2024-05-01T09:00:30.000Z'), receivedAt);
    expect(occurredAt.toISOString()).toBe('2024-05-01T11:59:30.000Z');
  });

  it("prefers the message's own sentAt to the batch's", () => {
    const { occurredAt } = eventTime({ timestamp: '2024-05-01T10:00:00Z', sentAt: '2024-05-01T10:00:05Z' }, new Date('2024-05-01T10:10:00Z'), receivedAt);
    expect(occurredAt.toISOString()).toBe('2024-05-01T11:59:55.000Z');
  });

  it('keeps a timestamp sent next to originalTimestamp as it is (set on purpose, RudderStack rule)', () => {
    const { occurredAt } = eventTime({ timestamp: '2020-01-01T00:00:00Z', originalTimestamp: '2024-05-01T10:00:00Z', sentAt: '2024-05-01T10:00:01Z' }, undefined, receivedAt);
    expect(occurredAt.toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });

  it('keeps the client time without sentAt (historical import) and uses receivedAt without any time', () => {
    expect(eventTime({ timestamp: '2019-03-04T05:06:07Z' }, undefined, receivedAt).occurredAt.toISOString()).toBe('2019-03-04T05:06:07.000Z');
    expect(eventTime({}, undefined, receivedAt).occurredAt).toEqual(receivedAt);
    // sentAt alone says nothing about when the event happened.
    expect(eventTime({ sentAt: '2024-05-01T13:00:00Z' }, undefined, receivedAt).occurredAt).toEqual(receivedAt);
  });

  it('reports unreadable timestamps and ignores them instead of losing the event', () => {
    const { occurredAt, bad } = eventTime({ timestamp: 'yesterday', sentAt: 'now' }, undefined, receivedAt);
    expect(occurredAt).toEqual(receivedAt);
    expect(bad.map((b) => b.field)).toEqual(['timestamp', 'sentAt']);
  });
});

describe('parseTimestamp', () => {
  it('reads ISO-8601 with and without offset (no offset is UTC), epoch milliseconds, and refuses garbage', () => {
    expect(parseTimestamp('2024-05-01T08:00:00+08:00')?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTimestamp('2024-05-01T08:00:00')?.toISOString()).toBe('2024-05-01T08:00:00.000Z');
    expect(parseTimestamp('2024-05-01 08:00:00.5')?.toISOString()).toBe('2024-05-01T08:00:00.500Z');
    expect(parseTimestamp(1714550400000)?.toISOString()).toBe('2024-05-01T08:00:00.000Z');
    expect(parseTimestamp(undefined)).toBeUndefined();
    expect(parseTimestamp(null)).toBeUndefined();
    expect(parseTimestamp('not a date')).toBeNull();
    expect(parseTimestamp({})).toBeNull();
    expect(parseTimestamp(1e20)).toBeNull();
  });
});
