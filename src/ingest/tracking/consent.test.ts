import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentsOf } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { ingestTracking } from './ingest.ts';
import { parseTrackingBatch } from './schema.ts';

const receivedAt = new Date('2025-06-01T10:00:00.000Z');

describe.each(testStores())('consent from tracking calls on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('records context.consent by channel and purpose and the opt-in traits of identify, dated by the call, once per message', async () => {
    const ws = await testWorkspace(h.db);
    const body = {
      batch: [
        {
          type: 'identify',
          messageId: 'c-1',
          userId: 'u-1',
          timestamp: '2025-05-01T08:00:00Z',
          traits: { email: 'c1@example.com', wechat_opt_in: true },
          context: { consent: { email: true, sms: { marketing: 'opted_out', transactional: true }, source: 'app settings', categoryPreferences: { Advertising: true } } },
        },
        { type: 'track', messageId: 'c-2', userId: 'u-1', event: 'Unsubscribed', timestamp: '2025-05-02T08:00:00Z', context: { consent: { email: 'opted_out', fax: true, push: 'maybe' } } },
      ],
    };
    const result = await ingestTracking(h.db, ws, parseTrackingBatch(body), { receivedAt });
    expect(result.warnings).toEqual([
      { path: 'batch[1].context.consent.fax', message: '"fax" is not a consent channel (email, sms, wechat, push, phone); ignored' },
      { path: 'batch[1].context.consent.push', message: 'a channel takes true/false, "opted_in"/"opted_out", or an object of those by purpose (marketing, transactional); ignored' },
    ]);
    const customer = await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'u-1').executeTakeFirstOrThrow();
    const states = await consentsOf(h.db, ws.id, customer.customer_id);
    expect(states.map((s) => [s.channel, s.purpose, s.status, s.source, s.recordedAt.toISOString()])).toEqual([
      ['email', 'marketing', 'opted_out', 'tracking track', '2025-05-02T08:00:00.000Z'],
      ['sms', 'marketing', 'opted_out', 'app settings', '2025-05-01T08:00:00.000Z'],
      ['sms', 'transactional', 'opted_in', 'app settings', '2025-05-01T08:00:00.000Z'],
      ['wechat', 'marketing', 'opted_in', 'app settings', '2025-05-01T08:00:00.000Z'],
    ]);
    const records = async () => (await h.db.selectFrom('consent_records').select('id').where('workspace_id', '=', ws.id).execute()).length;
    expect(await records()).toBe(5);
    // A retried call is a duplicate: nothing is recorded twice.
    expect(await ingestTracking(h.db, ws, parseTrackingBatch(body), { receivedAt })).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await records()).toBe(5);
  });

  it('reports consent values it cannot read and records nothing for them', async () => {
    const ws = await testWorkspace(h.db);
    const body = { batch: [{ type: 'identify', messageId: 'd-1', userId: 'u-2', traits: { sms_opt_in: 'yes' }, context: { consent: 'all' } }] };
    const result = await ingestTracking(h.db, ws, parseTrackingBatch(body), { receivedAt });
    expect(result.warnings.map((w) => w.path)).toEqual(['batch[0].context.consent', 'batch[0].traits.sms_opt_in']);
    expect(await h.db.selectFrom('consents').select('channel').where('workspace_id', '=', ws.id).execute()).toEqual([]);
  });
});
