import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { awardEventBonuses, checkLedger, listPostings, runDailyLoyaltyJob, saveProgram } from './index.ts';

describe.each(testStores())('birthday bonuses from profiles on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('credits each birthday once a year on the local day, catches up missed days, and shares its key with a tracked Birthday event', async () => {
    const clock = manualClock(new Date('2025-02-28T01:00:00Z'));
    const ws = await testWorkspace(h.db, { timezone: 'Asia/Shanghai' });
    await saveProgram(h.db, ws.id, { name: 'Members', rules: { bonuses: [{ id: 'bday', event: 'Birthday', points: 88 }] } }, clock);
    const customer = async (name: string, birthday: string | null) =>
      (await h.db.insertInto('customers').values({ workspace_id: ws.id, name, birthday }).returning('id').executeTakeFirstOrThrow()).id;
    const march14 = await customer('March 14', '1990-03-14');
    const leap = await customer('29 February', '1992-02-29');
    const march20 = await customer('March 20', '1985-03-20');
    const march12 = await customer('March 12', '2000-03-12');
    await customer('no birthday', null);
    const mergedAway = await customer('merged', '1990-03-14');
    await h.db.updateTable('customers').set({ merged_into: march14 }).where('workspace_id', '=', ws.id).where('id', '=', mergedAway).execute();
    const bonuses = async (c: number) => (await listPostings(h.db, ws.id, c, { limit: 50 })).postings.filter((p) => p.customerId === c && p.rule === 'bday').map((p) => p.occurredAt.toISOString());
    const daily = async (at: string) => (await runDailyLoyaltyJob(h.db, ws, (clock.set(new Date(at)), clock))).birthdayPoints;

    // 2025 is not a leap year: 29 February is celebrated on 28 February (local day, 09:00 in Shanghai).
    expect(await daily('2025-02-28T01:00:00Z')).toBe(88);
    expect(await bonuses(leap)).toEqual(['2025-02-27T16:00:00.000Z']);
    // 00:30 on 14 March in Shanghai is still 13 March in UTC: the local day counts; 12 March is made up.
    expect(await daily('2025-03-13T16:30:00Z')).toBe(176);
    expect(await bonuses(march14)).toEqual(['2025-03-13T16:00:00.000Z']);
    expect(await bonuses(march12)).toEqual(['2025-03-11T16:00:00.000Z']);
    expect(await bonuses(mergedAway)).toEqual([]);
    expect(await daily('2025-03-13T23:00:00Z')).toBe(0);
    expect(await daily('2025-03-15T02:00:00Z')).toBe(0);

    // A tracked Birthday event got there first: the job adds nothing that year.
    await h.db.transaction().execute((trx) =>
      awardEventBonuses(trx, ws, [{ messageId: 'm-1', customerId: march20, name: 'Birthday', properties: {}, occurredAt: new Date('2025-03-19T17:00:00Z') }], clock.now()),
    );
    expect(await daily('2025-03-20T02:00:00Z')).toBe(0);
    expect(await bonuses(march20)).toEqual(['2025-03-19T17:00:00.000Z']);

    expect(await daily('2026-03-14T02:00:00Z')).toBe(176);
    expect(await bonuses(march14)).toEqual(['2026-03-13T16:00:00.000Z', '2025-03-13T16:00:00.000Z']);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });
});
