import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { processSegmentChanges, refreshDueSegments } from './changes.ts';
import { createSleeper } from '../lib/sleeper.ts';

export interface SegmentWorker {
  /** Finishes the round in progress and stops. */
  stop(): Promise<void>;
}

export interface SegmentWorkerOptions {
  /** Pause between change rounds when the queue is empty (ms). */
  readonly changeIntervalMs?: number;
  /** How often to look for segments due a time-based refresh (ms). */
  readonly scheduleIntervalMs?: number;
  /** Told about a failed round; the worker carries on with the next one. */
  readonly onError: (error: unknown) => void;
}

/**
 * Keeps dynamic segments current in the serving process: drains the change queue continuously (a new
 * round at once while a round comes back full) and runs the scheduled refresh of time-based segments.
 * Several processes may run it: rounds claim changes with SKIP LOCKED and segments are locked per sync.
 */
export function startSegmentWorker(db: Kysely<Database>, clock: Clock, options: SegmentWorkerOptions): SegmentWorker {
  const changeIntervalMs = options.changeIntervalMs ?? 100;
  const scheduleIntervalMs = options.scheduleIntervalMs ?? 60_000;
  let stopped = false;
  const { sleep, wake } = createSleeper();
  const changes = (async () => {
    const limit = 5000;
    let failures = 0;
    while (!stopped) {
      let full = false;
      try {
        full = (await processSegmentChanges(db, clock, limit)).notes === limit;
        failures = 0;
      } catch (error) {
        // While the database is away, back off (up to 10 s) instead of failing and logging every interval.
        failures += 1;
        if (failures === 1 || failures % 10 === 0) options.onError(error);
      }
      if (!full && !stopped) await sleep(failures === 0 ? changeIntervalMs : Math.min(10_000, changeIntervalMs * 2 ** failures));
    }
  })();
  let nextSchedule = 0;
  const schedule = setInterval(() => {
    if (Date.now() < nextSchedule) return;
    nextSchedule = Number.POSITIVE_INFINITY; // one pass at a time
    refreshDueSegments(db, clock)
      .catch(options.onError)
      .finally(() => {
        nextSchedule = 0;
      });
  }, scheduleIntervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(schedule);
      wake();
      await changes;
    },
  };
}
