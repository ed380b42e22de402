import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { checkLedger, earnPointsForOrderNumbers, getAccount, postPoints, reversePointsForRefunds, saveProgram } from './index.ts';

// Any sequence of partial refunds, with the customer spending some points on the way: after each refund the
// points taken back equal floor(earned × refunded / total) as far as the balance allows, a full refund takes
// back exactly what the order earned (less what was already spent), and the ledger stays consistent.
describe.each(testStores())('refund reversal on $kind', (store) => {
  let h: DatabaseHandle;
  let ws: Workspace;
  const clock = manualClock(new Date('2025-06-30T00:00:00Z'));
  beforeAll(async () => {
    h = await store.open();
    ws = await testWorkspace(h.db);
    await saveProgram(h.db, ws.id, { name: 'Members', rules: { earn: { pointsPerUnit: 3, unitMinor: 100 } } }, clock);
  });
  afterAll(() => h.close());

  let run = 0;
  it('takes back exactly what the refunds cover, whatever their split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 100 }),
        async (total, weights, full, spendPercent) => {
          run++;
          const email = `p${run}@example.com`;
          const number = `P-${run}`;
          await recordOrders(h.db, ws, [{ externalId: number, customer: { identities: [{ type: 'email', value: email }] }, currency: 'CNY', orderedAt: new Date('2025-06-01T00:00:00Z'), totalMinor: total, items: [] }]);
          await h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, [number], clock.now()));
          const customer = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', email).executeTakeFirstOrThrow()).customer_id;
          const earned = Math.floor((total * 3) / 100);
          const spent = Math.floor((earned * spendPercent) / 100);
          if (spent > 0) await postPoints(h.db, ws, customer, { type: 'redeem', idempotencyKey: `spend-${run}`, points: spent, reward: 'x' }, clock);
          // Split the refunded amount (all of the order, or part of it) by the weights.
          const refundable = full ? total : Math.max(weights.length, Math.floor(total / 2));
          const sum = weights.reduce((a, b) => a + b, 0);
          const parts = weights.map((w) => Math.floor((refundable * w) / sum));
          parts[parts.length - 1]! += refundable - parts.reduce((a, b) => a + b, 0);
          let refunded = 0;
          let reversed = 0;
          for (const [i, amount] of parts.entries()) {
            if (amount <= 0) continue;
            refunded += amount;
            const id = `${number}-R${i}`;
            await recordRefunds(h.db, ws, [{ externalId: id, orderExternalId: number, amountMinor: amount, refundedAt: clock.now() }]);
            reversed += await h.db.transaction().execute((trx) => reversePointsForRefunds(trx, ws, [id], clock.now()));
            const due = Math.floor((earned * refunded) / total);
            expect(reversed).toBe(Math.min(due, earned - spent));
          }
          expect((await getAccount(h.db, ws, customer)).balance).toBe(earned - spent - reversed);
          if (full) expect(reversed).toBe(earned - spent);
        },
      ),
      { numRuns: store.kind === 'pglite' ? 25 : 15 },
    );
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  }, 120_000);
});
