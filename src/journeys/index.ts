/** Journeys and campaigns: versioned journey graphs run durably from PostgreSQL by workers, and broadcasts to segments with variants, holdouts and measured results. */
export { campaignInputSchema, cancelCampaign, createCampaign, getCampaign, listCampaigns, runDueCampaigns, scheduleCampaign, updateCampaign, type Campaign, type CampaignInput } from './campaigns.ts';
export { campaignResults, type ArmResults, type CampaignResults } from './campaign-results.ts';
export { newEngineCache, runDueSteps, type EngineCache, type StepRun } from './engine.ts';
export { completeTask, entriesQuerySchema, listEntries, listTasks, tasksQuerySchema } from './entries.ts';
export { journeyActivity, journeyStepCounts, type JourneyActivity, type StepCounts } from './journey-activity.ts';
export { nodeKinds, parseGraph, type JourneyGraph, type JourneyNode } from './graph.ts';
export {
  changeJourneyState,
  createJourney,
  getJourney,
  journeyActions,
  journeyInputSchema,
  journeyPatchSchema,
  listJourneys,
  listJourneyVersions,
  updateJourney,
  type Journey,
  type JourneyAction,
} from './journeys.ts';
export { stepKey } from './steps.ts';
export { enrolThroughApi, eventSettleMs, processJourneyEvents, runTimeTriggers } from './triggers.ts';
export { runEngineTick, startJourneyEngine, type EngineLoop, type EngineTick } from './worker.ts';
