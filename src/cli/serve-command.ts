import { Command } from 'commander';
import { readConfig } from '../config.ts';
import { runScoring, startAnalyticsScheduler } from '../analytics/index.ts';
import { startJourneyEngine } from '../journeys/index.ts';
import { systemClock } from '../lib/clock.ts';
import { startSegmentWorker } from '../segments/index.ts';
import { buildApp } from '../server/app.ts';
import { loadDemoOnFirstStart } from './demo-command.ts';
import { describeStore, openDatabase } from './open-database.ts';

/** `patron serve`: migrate, load the demo on the first start of an empty installation, then serve the API and console until stopped. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the web console and the API (migrates the database first)')
    .addHelpText('after', '\nEnvironment: PORT (3000), HOST (0.0.0.0), DATABASE_URL (else embedded PGlite in PATRON_DATA_DIR, default ./.patron), LOG_LEVEL (warn), PATRON_TRUST_PROXY=1 (behind a reverse proxy: client IPs and https from X-Forwarded-*), PATRON_NO_DEMO=1 (do not load the demo data set on the first start of an empty installation)')
    .action(async () => {
      const config = readConfig();
      const handle = await openDatabase(config);
      try {
        // A fresh installation starts with the demo workspace, scored, so the overview has something to show.
        const demo = await loadDemoOnFirstStart(handle.db, { baseUrl: `http://localhost:${config.port}` });
        if (demo && !demo.skipped) {
          const run = await runScoring(handle.db, demo.workspace);
          console.error(`Scored the demo's ${run.customers.toLocaleString('en')} buyers in ${run.seconds.toFixed(1)} s (run again with: patron analyze).`);
        }
      } catch (error) {
        await handle.close();
        throw error;
      }
      const app = await buildApp({ db: handle.db, store: handle.kind, logLevel: config.logLevel, trustProxy: config.trustProxy });
      // Dynamic segments stay current while serving: changes are re-checked as they arrive, time-based rules daily.
      const segments = startSegmentWorker(handle.db, systemClock, {
        onError: (error) => app.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'segment worker round failed'),
      });
      // Journeys and campaigns move on while serving: triggers, due steps, broadcasts, then delivery of queued messages.
      const journeys = startJourneyEngine(handle.db, systemClock, {
        onError: (error) => app.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'journey engine tick failed'),
      });
      // Scores stay current while serving: customers whose orders changed are rescored within seconds, and every
      // workspace gets its daily run (and precomputed overview) after midnight in its time zone.
      const analytics = startAnalyticsScheduler(handle.db, systemClock, {
        onError: (error) => app.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'analytics scheduler step failed'),
      });
      const stop = async () => {
        await analytics.stop();
        await journeys.stop();
        await segments.stop();
        await app.close();
        await handle.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await app.listen({ port: config.port, host: config.host });
      const { port } = app.server.address() as { port: number };
      console.log(`Patron is serving on http://localhost:${port} (${describeStore(config)})`);
    });
}
