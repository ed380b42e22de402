import { Command } from 'commander';
import { z } from 'zod';
import { manualClock, systemClock } from '../lib/clock.ts';
import { invalidInput } from '../lib/errors.ts';
import { earnPointsForOrders, findActiveProgram, runDailyLoyaltyJob } from '../loyalty/index.ts';
import { resolveWorkspace } from './analyze-command.ts';
import { openDatabase } from './open-database.ts';

const asOfSchema = z.coerce.date();

function clockAt(asOf: string | undefined) {
  if (asOf === undefined) return systemClock;
  const parsed = asOfSchema.safeParse(asOf);
  if (!parsed.success || Number.isNaN(parsed.data.getTime())) throw invalidInput(`--as-of "${asOf}" is not a date; write it as 2025-12-31 or 2025-12-31T16:00:00Z`, { path: ['asOf'], value: asOf });
  return manualClock(parsed.data);
}

/** `patron loyalty daily | earn-orders`: the daily expiry and tier job (run it from cron), and earn rules over orders already stored. */
export function loyaltyCommand(): Command {
  const loyalty = new Command('loyalty').description('Loyalty jobs: daily expiry and tier reviews, points for stored orders');
  loyalty
    .command('daily')
    .description('Credit birthday bonuses, expire due points and review tiers whose period and grace have ended (safe to run more than once a day)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the only one, or demo)')
    .option('--as-of <date>', 'run as if it were this time (replays, tests)')
    .action(async (options: { workspace?: string; asOf?: string }) => {
      const handle = await openDatabase();
      try {
        const ws = await resolveWorkspace(handle, options.workspace);
        const result = await runDailyLoyaltyJob(handle.db, ws, clockAt(options.asOf));
        console.log(`${ws.slug}: ${result.birthdayPoints.toLocaleString('en-US')} birthday bonus points; expired ${result.expiredPoints.toLocaleString('en-US')} points of ${result.expiredAccounts.toLocaleString('en-US')} accounts; ${result.tierChanges.toLocaleString('en-US')} tier changes at period end`);
      } finally {
        await handle.close();
      }
    });
  loyalty
    .command('earn-orders')
    .description('Post the active program’s earn rules for every order already stored (orders earn once; run after starting a program on imported history)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the only one, or demo)')
    .option('--batch <n>', 'orders per transaction', '50000')
    .action(async (options: { workspace?: string; batch: string }) => {
      const handle = await openDatabase();
      try {
        const ws = await resolveWorkspace(handle, options.workspace);
        if (!(await findActiveProgram(handle.db, ws.id))) throw invalidInput(`workspace ${ws.slug} has no active loyalty program; create one with PUT /api/loyalty/program`);
        const batch = Math.max(1, Number(options.batch) || 50_000);
        let after = 0;
        let postings = 0;
        let points = 0;
        const started = performance.now();
        for (;;) {
          const ids = (await handle.db.selectFrom('orders').select('id').where('workspace_id', '=', ws.id).where('id', '>', after).orderBy('id').limit(batch).execute()).map((o) => o.id);
          if (ids.length === 0) break;
          const result = await handle.db.transaction().execute((trx) => earnPointsForOrders(trx, ws, ids, systemClock.now()));
          postings += result.postings;
          points += result.points;
          after = ids[ids.length - 1]!;
        }
        const seconds = (performance.now() - started) / 1000;
        console.log(`${ws.slug}: ${postings.toLocaleString('en-US')} earn postings, ${points.toLocaleString('en-US')} points in ${seconds.toFixed(1)} s`);
      } finally {
        await handle.close();
      }
    });
  return loyalty;
}
