import { describe, expect, it } from 'vitest';
import { batchMessageSizes } from './message-sizes.ts';

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('batchMessageSizes', () => {
  it('measures each message of the batch array in UTF-8 bytes, whatever else the body holds', () => {
    const batch = [
      { type: 'track', event: 'A', properties: { text: '中文 and "quotes" \\ and emoji 😀', list: [1, { x: ']' }] } },
      { type: 'identify', userId: 'u', traits: { name: 'Ünïcödé', batch: ['not', 'this'] } },
      {},
    ];
    const json = JSON.stringify({ context: { batch: [1, 2, 3] }, sentAt: 'x,y]', batch, writeKey: 'k' });
    expect(batchMessageSizes(json)).toEqual(batch.map(bytes));
  });

  it('counts whitespace-formatted bodies by their own bytes and finds nothing without a top-level batch array', () => {
    const pretty = JSON.stringify({ batch: [{ a: 1 }, { b: [2, 3] }] }, null, 2);
    const sizes = batchMessageSizes(pretty)!;
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBeGreaterThanOrEqual(bytes({ a: 1 }));
    expect(batchMessageSizes(JSON.stringify({ batch: [] }))).toEqual([]);
    expect(batchMessageSizes(JSON.stringify({ batch: 'x' }))).toBeUndefined();
    expect(batchMessageSizes(JSON.stringify({ other: { batch: [{ a: 1 }] } }))).toBeUndefined();
    expect(batchMessageSizes('[1,2]')).toBeUndefined();
  });
});
