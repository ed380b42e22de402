/** Customer analytics: per-customer scores (RFM, lifecycle, value tier, CLV, churn warnings) stored with history, and the business views (cohorts, KPIs, concentration). */
export * from './clv/index.ts';
export { channelCac, type ChannelCac } from './acquisition.ts';
export { cohortRetention, type Cohort, type CohortMonth } from './cohorts.ts';
export { rebuildCustomerStats } from './cold-rebuild.ts';
export { paretoShares, revenueConcentration, type ParetoPoint, type RevenueConcentration } from './concentration.ts';
export {
  getCustomerScores,
  listChurnWarnings,
  streamCustomerScores,
  type ChurnWarningView,
  type CustomerScoresView,
  type ScoreExportRow,
} from './customer-scores.ts';
export type { Words } from './explanations.ts';
export { holdoutReport, type HoldoutReport, type HoldoutRow } from './holdout.ts';
export { compareKpis, periodKpis, type KpiComparison, type PeriodKpis } from './kpis.ts';
export { overviewPeriods, precomputeOverview, precomputedCohorts, precomputedKpis, type Precomputed } from './overview-snapshots.ts';
export { clvBandEdges, type ScoreSnapshot } from './score-snapshot.ts';
export { fmScore, rfmSegmentArray, rfmSegmentLabels, rfmSegmentMeaning, rfmSegmentOf, rfmSegments, type RfmSegment } from './rfm-segments.ts';
export { fallbackLifecycleDays, type LifecycleThresholds, type RfmCuts, type TierCuts } from './score-model.ts';
export {
  clvDistribution,
  latestScoreRun,
  lifecycleCounts,
  lifecycleFlows,
  lifecycleStageLabels,
  lifecycleStages,
  rfmGrid,
  scoreGroupCounts,
  segmentCounts,
  tierCounts,
  valueTierLabels,
  valueTiers,
  type ClvDistribution,
  type GroupCount,
  type LifecycleStage,
  type RfmGridCell,
  type ScoreRunView,
  type ValueTier,
} from './score-views.ts';
export type { ScoringParams } from './score-write.ts';
export { dateInZone } from './scoring-input.ts';
export { refreshOverview, rescoreChangedCustomers, runDueScoring, startAnalyticsScheduler, type AnalyticsScheduler, type AnalyticsSchedulerOptions } from './scheduler.ts';
export { runScoring, runScoringIfDue, scoreCustomers, type ScoreRunOptions, type ScoreRunSummary } from './scoring-run.ts';
export { importSpendFile, type SpendImportSummary } from './spend-import.ts';
export { deleteSpend, listSpend, saveSpend, spendEntrySchema, spendPeriodDays, type SpendEntry, type SpendRow } from './spend.ts';
export { surveyEventName, surveyScores, type SurveyScore } from './surveys.ts';
export { analyticsSettingsSchema, getAnalyticsSettings, saveAnalyticsSettings, type AnalyticsSettings, type AnalyticsSettingsInput } from './settings.ts';
