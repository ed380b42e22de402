// The child process of kill.test.ts: runs the journey engine (triggers, due steps, campaigns, delivery) in a
// loop with a clock that moves 10 minutes per tick, until it is killed with SIGKILL at a random point, or,
// when nothing is left to do, exits by itself.
// Usage: node --import tsx src/journeys/kill-worker.ts <database url> <clock start ISO>
import { connectPostgres } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { newEngineCache, runEngineTick } from './index.ts';

const [url, startArg] = process.argv.slice(2);
const handle = connectPostgres(url!, 4);
const clock = manualClock(new Date(startArg!));
const cache = newEngineCache();
process.stdout.write('ready\n');

for (;;) {
  // Small batches keep the worker busy across many transactions, so a kill lands mid-run.
  await runEngineTick(handle.db, clock, { stepBatch: 25, cache });
  const open = await handle.db.selectFrom('journey_entries').select('id').where('status', 'in', ['active', 'waiting']).limit(1).execute();
  const queued = await handle.db.selectFrom('messages').select('id').where('status', '=', 'queued').limit(1).execute();
  if (open.length === 0 && queued.length === 0) break;
  clock.advance(600_000);
}
await handle.close();
process.stdout.write('done\n');
