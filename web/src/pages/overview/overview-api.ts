// The analytics API as the overview reads it: the server's own result types, after JSON.
import type { ChurnWarningView, Cohort, GroupCount, KpiComparison, RfmGridCell, ScoreRunView, ScoringParams } from '../../../../src/analytics/index.ts';
import type { ClvDistribution } from '../../../../src/server/routes/analytics.ts';
import type { ApiClient } from '../../api/client.ts';
import type { Jsonified } from '../../api/payloads.ts';

export type ScoreRun = Jsonified<ScoreRunView>;
export type Group = Jsonified<GroupCount>;
export type KpiReport = Jsonified<KpiComparison>;
export type CohortRow = Jsonified<Cohort>;
export type GridCell = Jsonified<RfmGridCell>;
export type ChurnWarning = Jsonified<ChurnWarningView>;
export type ClvBands = Jsonified<ClvDistribution>;
export type RunParams = Jsonified<ScoringParams>;

/** The latest full scoring run (null before the first) with segment, lifecycle and value tier counts. */
export interface LatestRun {
  run: ScoreRun | null;
  segments: Group[];
  lifecycle: Group[];
  valueTiers: Group[];
}

export interface LifecycleFlow {
  from: string | null;
  to: string;
  customers: number;
}

export interface ChurnWarningPage {
  runId: number | null;
  asOf: string | null;
  next: number | null;
  warnings: ChurnWarning[];
}

/** An ISO date period, both ends included. */
export interface Period {
  readonly from: string;
  readonly to: string;
}

export const fetchLatestRun = (client: ApiClient) => client.get<LatestRun>('/analytics/runs/latest');

export const fetchKpis = (client: ApiClient, period: Period) => client.get<KpiReport>('/analytics/kpis', { from: period.from, to: period.to });

export const fetchRfmGrid = async (client: ApiClient) => (await client.get<{ cells: GridCell[] }>('/analytics/rfm/grid')).cells;

export const fetchLifecycleFlows = async (client: ApiClient, period: Period) =>
  (await client.get<{ flows: LifecycleFlow[] }>('/analytics/lifecycle/flows', { from: period.from, to: period.to })).flows;

export const fetchClvDistribution = (client: ApiClient) => client.get<ClvBands>('/analytics/clv/distribution');

/** The earliest month the cohort endpoint is asked from: every cohort, so monthly totals across cohorts are complete. */
export const firstCohortMonth = '1970-01';

/** Every acquisition cohort up to the month of `asOf`, counting orders up to `asOf`. */
export const fetchCohorts = async (client: ApiClient, asOf: string) =>
  (await client.get<{ asOf: string; cohorts: CohortRow[] }>('/analytics/cohorts', { from: firstCohortMonth, to: asOf.slice(0, 7), asOf })).cohorts;

export const fetchChurnWarnings = (client: ApiClient, query: { after?: number; limit: number }) =>
  client.get<ChurnWarningPage>('/analytics/churn-warnings', { after: query.after, limit: query.limit });

/** Starts a scoring run now and waits for it to finish. */
export const startScoringRun = (client: ApiClient) => client.post<{ runId: number; customers: number; seconds: number }>('/analytics/runs', {});
