// The child process of crash.test.ts: makes loyalty postings of every kind in a loop until it is killed
// (SIGKILL, at a random point), so the test can check that no half-done operation survives a crash.
// Usage: node --import tsx src/loyalty/crash-worker.ts <database url> <workspace id> <run>
import { getWorkspace } from '../access/index.ts';
import { connectPostgres } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefundsInTransaction } from '../orders/index.ts';
import { earnPointsForOrderNumbers, expirePoints, postPoints, requireActiveProgram, reversePointsForRefunds } from './index.ts';

const [url, workspaceArg, runArg] = process.argv.slice(2);
const handle = connectPostgres(url!, 4);
const db = handle.db;
const workspace = await getWorkspace(db, Number(workspaceArg));
const run = Number(runArg);
const clock = manualClock(new Date('2025-01-01T00:00:00Z'));
const customers = (await db.selectFrom('customers').select('id').where('workspace_id', '=', workspace.id).orderBy('id').execute()).map((c) => c.id);
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const tolerate = (error: unknown) => {
  if ((error as { name?: string }).name !== 'PatronError') throw error;
};
process.stdout.write('ready\n');

for (let step = 0; ; step++) {
  clock.advance(3_600_000);
  const key = `${run}-${step}`;
  const c = pick(customers);
  const work = [
    () => postPoints(db, workspace, c, { type: 'earn', idempotencyKey: `e-${key}`, amountMinor: 1000 + Math.floor(Math.random() * 50_000), reason: 'purchase' }, clock),
    () => postPoints(db, workspace, c, { type: 'redeem', idempotencyKey: `r-${key}`, points: 1 + Math.floor(Math.random() * 300), reward: 'gift' }, clock),
    () => postPoints(db, workspace, c, { type: 'adjust', idempotencyKey: `a-${key}`, points: Math.random() < 0.5 ? 25 : -25, reason: 'crash test', actor: 'test' }, clock),
    async () => {
      const orders = Array.from({ length: 20 }, (_, n) => ({
        externalId: `O-${key}-${n}`,
        customer: { identities: [{ type: 'email' as const, value: `crash${n % customers.length}@example.com` }] },
        currency: 'CNY',
        orderedAt: clock.now(),
        items: [{ quantity: 1, unitPriceMinor: 5000 + n * 100 }],
      }));
      await recordOrders(db, workspace, orders);
      await db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, workspace, orders.map((o) => o.externalId), clock.now()));
    },
    async () => {
      const order = await db.selectFrom('orders').select(['external_id', 'total_minor', 'refunded_minor']).where('workspace_id', '=', workspace.id).whereRef('refunded_minor', '<', 'total_minor').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!order) return;
      const id = `F-${key}`;
      await db.transaction().execute(async (trx) => {
        await recordRefundsInTransaction(trx, workspace, [{ externalId: id, orderExternalId: order.external_id, amountMinor: Math.max(1, Math.floor((order.total_minor - order.refunded_minor) / 2)), refundedAt: clock.now() }]);
        await reversePointsForRefunds(trx, workspace, [id], clock.now());
      });
    },
    async () => {
      const program = await requireActiveProgram(db, workspace.id);
      await expirePoints(db, { workspaceId: workspace.id, timezone: workspace.timezone, program, now: clock.now() });
    },
  ];
  await pick(work)().catch(tolerate);
}
