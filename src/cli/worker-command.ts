import { Command } from 'commander';
import { startAnalyticsScheduler } from '../analytics/index.ts';
import { readConfig } from '../config.ts';
import { startJourneyEngine } from '../journeys/index.ts';
import { systemClock } from '../lib/clock.ts';
import { describeStore, openDatabase } from './open-database.ts';

/** `patron worker`: runs the journey and campaign engine (and message delivery) and the analytics scheduler without HTTP, to add processes beside `patron serve`. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Run the journey and campaign engine and the analytics scheduler (daily scoring, rescoring after new orders) without serving HTTP (any number of workers share the work)')
    .option('--interval <ms>', 'pause between ticks when idle, in milliseconds', '1000')
    .action(async (options: { interval: string }) => {
      const config = readConfig();
      const handle = await openDatabase(config);
      const engine = startJourneyEngine(handle.db, systemClock, {
        intervalMs: Math.max(10, Number(options.interval) || 1000),
        onError: (error) => console.error(`patron worker: tick failed: ${error instanceof Error ? error.message : String(error)}`),
      });
      // As in `patron serve`: any number of processes may run it; the scoring lock makes each workspace's daily run happen once.
      const analytics = startAnalyticsScheduler(handle.db, systemClock, {
        onError: (error) => console.error(`patron worker: analytics step failed: ${error instanceof Error ? error.message : String(error)}`),
      });
      const stop = async () => {
        await analytics.stop();
        await engine.stop();
        await handle.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.log(`Patron worker running on ${describeStore(config)}`);
    });
}
