// A dispatcher process for the kill test: delivers queued messages in small rounds until none are left,
// printing each round so the parent can see progress. Run with the database URL as its argument.
import { dispatchMessages } from '../../src/channels/index.ts';
import { connectPostgres } from '../../src/db/index.ts';
import { manualClock } from '../../src/lib/clock.ts';

const handle = connectPostgres(process.argv[2]!);
const clock = manualClock(new Date(process.argv[3]!));
for (;;) {
  const round = await dispatchMessages(handle.db, clock, { limit: 100, concurrency: 16 });
  process.stdout.write(`round ${round.sent} ${round.failed}\n`);
  if (round.sent + round.failed === 0) break;
}
await handle.close();
