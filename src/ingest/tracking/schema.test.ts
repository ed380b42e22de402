import { describe, expect, it } from 'vitest';
import { PatronError } from '../../lib/errors.ts';
import { deriveMessageId } from './message-id.ts';
import { parseTrackingBatch, parseTrackingCall, trackingLimits } from './schema.ts';

function errorOf(fn: () => unknown): PatronError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PatronError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parsing tracking calls', () => {
  it('names the missing field of a single call', () => {
    expect(errorOf(() => parseTrackingCall('track', { userId: 'u1' })).message).toBe('event: Required');
    expect(errorOf(() => parseTrackingCall('track', { event: 'Signed Up' })).message).toBe('userId: userId or anonymousId is required');
    expect(errorOf(() => parseTrackingCall('alias', { userId: 'u1' })).message).toBe('previousId: Required');
    expect(errorOf(() => parseTrackingCall('group', { userId: 'u1' })).message).toBe('groupId: Required');
    expect(errorOf(() => parseTrackingCall('identify', [])).message).toMatch(/^body: /);
  });

  it('names the message and field of a batch', () => {
    const batch = [{ type: 'identify', userId: 'u1' }, { type: 'track', userId: 'u1', event: 'A' }, { type: 'page', anonymousId: 'a' }, { type: 'track', userId: 'u1' }];
    const error = errorOf(() => parseTrackingBatch({ batch }));
    expect(error.message).toBe('batch[3].event: Required');
    expect(error.details.path).toEqual(['batch', 3, 'event']);
    expect(errorOf(() => parseTrackingBatch({ batch: [{ userId: 'u1' }] })).message).toBe('batch[0].type: Required');
    expect(errorOf(() => parseTrackingBatch({ batch: [{ type: 'purchase', userId: 'u1' }] })).message).toMatch(/^batch\[0\]\.type: expected one of identify, track/);
    expect(errorOf(() => parseTrackingBatch({ batch: [{ type: 'track', userId: 'u1', event: 'A', properties: 'x' }] })).message).toMatch(/^batch\[0\]\.properties: /);
    expect(errorOf(() => parseTrackingBatch({})).message).toBe('batch: Required');
    expect(errorOf(() => parseTrackingBatch({ batch: [{ type: 'track', userId: 'u1', event: 'A', messageId: 'x'.repeat(101) }] })).message).toMatch(/^batch\[0\]\.messageId: at most 100/);
  });

  it('refuses more than 2,500 messages and a message over 32 KB, by index', () => {
    const many = Array.from({ length: trackingLimits.batchMessages + 1 }, () => ({ type: 'track', userId: 'u', event: 'A' }));
    expect(errorOf(() => parseTrackingBatch({ batch: many })).message).toMatch(/^batch: at most 2500 messages/);
    const big = { type: 'track', userId: 'u', event: 'A', properties: { blob: 'x'.repeat(33 * 1024) } };
    const body = { batch: [{ type: 'track', userId: 'u', event: 'A' }, big] };
    const error = errorOf(() => parseTrackingBatch(body, JSON.stringify(body)));
    expect(error.message).toBe(`batch[1]: the message is ${Buffer.byteLength(JSON.stringify(big))} bytes; a message may be at most 32768 bytes (32 KB, Segment's limit)`);
    // Without the text, each message is measured by serializing it.
    expect(errorOf(() => parseTrackingBatch(body)).message).toMatch(/^batch\[1\]: the message is/);
  });

  it('reads ids leniently: numbers become strings, null and empty mean absent', () => {
    const { messages } = parseTrackingCall('track', { userId: 42, anonymousId: null, event: 'A' });
    expect(messages[0]).toMatchObject({ type: 'track', userId: '42', anonymousId: undefined });
    expect(errorOf(() => parseTrackingCall('track', { userId: '  ', event: 'A' })).message).toBe('userId: userId or anonymousId is required');
  });

  it('takes the type from the path and drops the write key from the stored message', () => {
    const { messages } = parseTrackingCall('page', { type: 'track', anonymousId: 'a', writeKey: 'secret-ish' });
    expect(messages[0]!.type).toBe('page');
    expect(messages[0]!.raw).not.toHaveProperty('writeKey');
  });
});

describe('deriveMessageId', () => {
  it('is the same for the same content whatever the key order or sentAt, and differs otherwise', () => {
    const a = deriveMessageId({ type: 'track', event: 'A', userId: 'u', properties: { x: 1, y: 2 }, sentAt: '2024-01-01T00:00:00Z' });
    const b = deriveMessageId({ properties: { y: 2, x: 1 }, userId: 'u', event: 'A', type: 'track', sentAt: '2024-02-02T00:00:00Z' });
    const c = deriveMessageId({ type: 'track', event: 'A', userId: 'u', properties: { x: 1, y: 3 } });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^patron-[\w-]{32}$/);
  });
});
