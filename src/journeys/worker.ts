import type { Kysely } from 'kysely';
import { getWorkspace, type Workspace } from '../access/index.ts';
import { dispatchMessages } from '../channels/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { runDueCampaigns, type CampaignPass } from './campaigns.ts';
import { newEngineCache, runDueSteps, type EngineCache } from './engine.ts';
import { processJourneyEvents, runTimeTriggers, type EventPass, type TimePass } from './triggers.ts';

/** What one tick of the engine did. */
export interface EngineTick {
  readonly events: EventPass;
  readonly time: TimePass;
  readonly steps: { claimed: number; external: number; finished: number };
  readonly campaigns: CampaignPass;
  readonly delivered: { sent: number; failed: number };
}

function workspaceLoader(db: Kysely<Database>, cache: EngineCache): (id: number) => Promise<Workspace> {
  return async (id) => {
    let ws = cache.workspaces.get(id);
    if (!ws) {
      ws = await getWorkspace(db, id);
      cache.workspaces.set(id, ws);
    }
    return ws;
  };
}

/**
 * One tick: new events (goals, waits, event triggers), date and schedule triggers, due steps until none are
 * left, due campaigns, then delivery of the queued messages. Every part is safe to run in many processes.
 */
export async function runEngineTick(db: Kysely<Database>, clock: Clock, options: { stepBatch?: number; cache?: EngineCache; deliver?: boolean } = {}): Promise<EngineTick> {
  const cache = options.cache ?? newEngineCache();
  const events = await processJourneyEvents(db, clock);
  const time = await runTimeTriggers(db, clock, workspaceLoader(db, cache));
  const steps = { claimed: 0, external: 0, finished: 0 };
  for (;;) {
    const run = await runDueSteps(db, clock, { limit: options.stepBatch ?? 500, cache });
    steps.claimed += run.claimed;
    steps.external += run.external;
    steps.finished += run.finished;
    if (run.claimed === 0) break;
  }
  const campaigns = await runDueCampaigns(db, clock, workspaceLoader(db, cache));
  const delivered = { sent: 0, failed: 0 };
  if (options.deliver !== false) {
    for (;;) {
      const round = await dispatchMessages(db, clock, { limit: 500 });
      delivered.sent += round.sent;
      delivered.failed += round.failed;
      if (round.sent + round.failed === 0) break;
    }
  }
  return { events, time, steps, campaigns, delivered };
}

/** A running engine loop; stop() waits for the tick in progress. */
export interface EngineLoop {
  stop(): Promise<void>;
}

/** Runs ticks every `intervalMs` until stopped (`patron serve` and `patron worker`); a failed tick is reported and the loop goes on. */
export function startJourneyEngine(db: Kysely<Database>, clock: Clock, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): EngineLoop {
  const cache = newEngineCache();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = runEngineTick(db, clock, { cache })
      .then(() => undefined)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        // Workspace settings can change; drop cached workspaces between ticks (versions never change).
        cache.workspaces.clear();
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 1_000);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
