import { Command } from 'commander';
import { readConfig } from '../config.ts';
import { startJourneyEngine } from '../journeys/index.ts';
import { systemClock } from '../lib/clock.ts';
import { describeStore, openDatabase } from './open-database.ts';

/** `patron worker`: runs only the journey and campaign engine (and message delivery), to add processes beside `patron serve`. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Run the journey and campaign engine without serving HTTP (any number of workers share the work)')
    .option('--interval <ms>', 'pause between ticks when idle, in milliseconds', '1000')
    .action(async (options: { interval: string }) => {
      const config = readConfig();
      const handle = await openDatabase(config);
      const engine = startJourneyEngine(handle.db, systemClock, {
        intervalMs: Math.max(10, Number(options.interval) || 1000),
        onError: (error) => console.error(`patron worker: tick failed: ${error instanceof Error ? error.message : String(error)}`),
      });
      const stop = async () => {
        await engine.stop();
        await handle.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.log(`Patron worker running on ${describeStore(config)}`);
    });
}
