/** Customer analytics: per-customer scores (RFM, lifecycle, value tier, CLV, churn warnings) stored with history, and the business views (cohorts, KPIs, concentration). */
export * from './clv/index.ts';
export { rebuildCustomerStats } from './cold-rebuild.ts';
export { fmScore, rfmSegmentArray, rfmSegmentLabels, rfmSegmentMeaning, rfmSegmentOf, rfmSegments, type RfmSegment } from './rfm-segments.ts';
export { fallbackLifecycleDays, type LifecycleThresholds, type RfmCuts, type TierCuts } from './score-model.ts';
export type { ScoringParams } from './score-write.ts';
export { dateInZone } from './scoring-input.ts';
export { runScoring, scoreCustomers, type ScoreRunOptions, type ScoreRunSummary } from './scoring-run.ts';
export { analyticsSettingsSchema, getAnalyticsSettings, saveAnalyticsSettings, type AnalyticsSettings, type AnalyticsSettingsInput } from './settings.ts';
