import { Table, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { RequestState } from '../../api/use-request.ts';
import { ChartCard, ChartEmpty } from '../../components/charts/chart-card.tsx';
import type { ChartFormat } from '../../components/charts/chart-format.ts';
import { cohortHeatmapOption } from '../../components/charts/cohort-heatmap-option.ts';
import { EChart } from '../../components/charts/echart.tsx';
import { colorOf, tierColors } from '../../components/charts/palette.ts';
import { lifecycleFunnelOption, lifecycleSankeyOption, type NamedCount } from '../../components/charts/lifecycle-option.ts';
import { rfmHeatmapOption } from '../../components/charts/rfm-heatmap-option.ts';
import { monthlyTotals, trendMonths, trendOption } from '../../components/charts/trend-option.ts';
import { clvHistogramOption, valueTierOption } from '../../components/charts/value-option.ts';
import { CodeText } from '../../components/code-text.tsx';
import { formatCalendarDate } from '../../format/dates.ts';
import type { ClvBands, CohortRow, GridCell, Group, LifecycleFlow, Period, ScoreRun } from './overview-api.ts';

/** What every chart card needs: the formats of the console language and ECharts' locale. */
export interface ChartContext {
  readonly fmt: ChartFormat;
  readonly chartLocale: 'ZH' | 'EN';
  /** A group's name in the console language (the API sends English and Chinese). */
  readonly groupLabel: (group: Pick<Group, 'en' | 'zh'>) => string;
}

const chartHeight = 320;

/** Revenue, active and new customers per month, summed from the acquisition cohorts. */
export function TrendCard({ cohorts, period, ctx }: { cohorts: RequestState<CohortRow[]>; period: Period; ctx: ChartContext }) {
  const { t } = useTranslation();
  const rows = useMemo(() => (cohorts.data ? monthlyTotals(cohorts.data, trendMonths(period)) : []), [cohorts.data, period]);
  const option = useMemo(
    () =>
      trendOption(
        rows,
        period,
        {
          revenue: t('overview.trend.revenue'),
          active: t('overview.trend.active'),
          new: t('overview.trend.new'),
          partialMonth: (month) => t('overview.trend.partialMonth', { month, date: formatCalendarDate(period.to, ctx.fmt.locale) }),
        },
        ctx.fmt,
      ),
    [rows, period, t, ctx.fmt],
  );
  const empty = rows.every((r) => r.revenueMinor === 0 && r.active === 0) ? <ChartEmpty title={t('overview.trend.empty')} body={<CodeText i18nKey="overview.empty.importOrders" />} /> : undefined;
  return (
    <ChartCard title={t('overview.trend.title')} help={t('overview.trend.help')} loading={cohorts.loading && !cohorts.data} error={cohorts.error} onRetry={cohorts.reload} empty={empty} height={chartHeight} testId="chart-trend">
      <EChart option={option} height={chartHeight} locale={ctx.chartLocale} label={t('overview.trend.title')} testId="echart-trend" />
    </ChartCard>
  );
}

const toNamed = (groups: readonly Group[], ctx: ChartContext): NamedCount[] => groups.map((g) => ({ key: g.key, label: ctx.groupLabel(g), customers: g.customers, share: g.share, revenueMinor: g.revenueMinor }));

/** Customers per lifecycle stage. */
export function LifecycleCard({ stages, loading, ctx }: { stages: Group[] | undefined; loading: boolean; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(() => lifecycleFunnelOption(toNamed(stages ?? [], ctx), { customers: t('overview.customers'), revenue: t('overview.revenue') }, ctx.fmt), [stages, ctx, t]);
  const empty = (stages ?? []).every((s) => s.customers === 0) ? <ChartEmpty title={t('overview.lifecycle.empty')} /> : undefined;
  return (
    <ChartCard title={t('overview.lifecycle.title')} help={t('overview.lifecycle.help')} loading={loading} empty={empty} height={chartHeight} testId="chart-lifecycle">
      <EChart option={option} height={chartHeight} locale={ctx.chartLocale} label={t('overview.lifecycle.title')} testId="echart-lifecycle" />
    </ChartCard>
  );
}

/** Moves between lifecycle stages dated in the period. */
export function FlowsCard({ flows, stages, ctx }: { flows: RequestState<LifecycleFlow[]>; stages: Group[] | undefined; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const labels = new Map((stages ?? []).map((s) => [s.key, ctx.groupLabel(s)]));
    return lifecycleSankeyOption(
      flows.data ?? [],
      (stages ?? []).map((s) => s.key),
      { firstStage: t('overview.flows.firstStage'), customers: t('overview.customers'), stageLabel: (stage) => labels.get(stage) ?? stage },
      ctx.fmt,
    );
  }, [flows.data, stages, ctx, t]);
  const empty = flows.data && flows.data.length === 0 ? <ChartEmpty title={t('overview.flows.empty')} body={<CodeText i18nKey="overview.flows.emptyBody" />} /> : undefined;
  return (
    <ChartCard title={t('overview.flows.title')} help={t('overview.flows.help')} loading={flows.loading && !flows.data} error={flows.error} onRetry={flows.reload} empty={empty} height={chartHeight} testId="chart-flows">
      <EChart option={option} height={chartHeight} locale={ctx.chartLocale} label={t('overview.flows.title')} testId="echart-flows" />
    </ChartCard>
  );
}

/** The R×F grid as a heatmap. */
export function RfmCard({ grid, segments, ctx }: { grid: RequestState<GridCell[]>; segments: Group[] | undefined; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const labels = new Map((segments ?? []).map((s) => [s.key, ctx.groupLabel(s)]));
    return rfmHeatmapOption(
      grid.data ?? [],
      { recency: t('overview.rfm.recency'), frequency: t('overview.rfm.frequency'), customers: t('overview.customers'), revenue: t('overview.revenue'), segmentLabel: (s) => labels.get(s) ?? s },
      ctx.fmt,
    );
  }, [grid.data, segments, ctx, t]);
  const empty = grid.data && grid.data.every((c) => c.customers === 0) ? <ChartEmpty title={t('overview.rfm.empty')} /> : undefined;
  return (
    <ChartCard title={t('overview.rfm.title')} help={t('overview.rfm.help')} loading={grid.loading && !grid.data} error={grid.error} onRetry={grid.reload} empty={empty} height={chartHeight} testId="chart-rfm">
      <EChart option={option} height={chartHeight} locale={ctx.chartLocale} label={t('overview.rfm.title')} testId="echart-rfm" />
    </ChartCard>
  );
}

/** Monthly acquisition cohorts and the share still buying in each later month. */
export function CohortCard({ cohorts, ctx }: { cohorts: RequestState<CohortRow[]>; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(
    () =>
      cohortHeatmapOption(
        cohorts.data ?? [],
        {
          monthOffset: (n) => (n === 0 ? t('overview.cohorts.firstMonth') : t('overview.cohorts.monthOffset', { n })),
          cohortLabel: (month, customers) => t('overview.cohorts.cohortLabel', { month, customers }),
          active: t('overview.cohorts.active'),
          revenuePerCustomer: t('overview.cohorts.revenuePerCustomer'),
          cumulativeLtv: t('overview.cohorts.cumulativeLtv'),
          cohortSize: t('overview.cohorts.cohortSize'),
        },
        ctx.fmt,
      ),
    [cohorts.data, ctx, t],
  );
  const height = 380;
  const empty = cohorts.data && cohorts.data.length === 0 ? <ChartEmpty title={t('overview.cohorts.empty')} body={<CodeText i18nKey="overview.empty.importOrders" />} /> : undefined;
  return (
    <ChartCard title={t('overview.cohorts.title')} help={t('overview.cohorts.help')} loading={cohorts.loading && !cohorts.data} error={cohorts.error} onRetry={cohorts.reload} empty={empty} height={height} testId="chart-cohorts">
      <EChart option={option} height={height} locale={ctx.chartLocale} label={t('overview.cohorts.title')} testId="echart-cohorts" />
    </ChartCard>
  );
}

/** Customers per predicted-CLV band; says why there is none when the run fitted no model. */
export function ClvCard({ clv, run, ctx }: { clv: RequestState<ClvBands>; run: ScoreRun; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => clvHistogramOption(clv.data?.bands ?? [], { customers: t('overview.customers'), clvTotal: t('overview.clv.total'), share: t('overview.clv.share') }, ctx.fmt),
    [clv.data, ctx, t],
  );
  const problems = Array.isArray(run.diagnostics.problems) ? (run.diagnostics.problems as unknown[]).filter((p): p is string => typeof p === 'string') : [];
  const horizon = (run.params as { clv?: { horizonDays?: number } | null }).clv?.horizonDays;
  const empty =
    clv.data && clv.data.bands.length === 0 ? (
      <ChartEmpty title={t('overview.clv.empty')} body={problems.length > 0 ? t('overview.clv.emptyBecause', { reason: problems.join(' ') }) : t('overview.clv.emptyBody')} />
    ) : undefined;
  return (
    <ChartCard
      title={t('overview.clv.title')}
      help={t('overview.clv.help')}
      extra={horizon ? <Typography.Text type="secondary">{t('overview.clv.horizon', { days: horizon })}</Typography.Text> : undefined}
      loading={clv.loading && !clv.data}
      error={clv.error}
      onRetry={clv.reload}
      empty={empty}
      height={chartHeight}
      testId="chart-clv"
    >
      <EChart option={option} height={chartHeight - 24} locale={ctx.chartLocale} label={t('overview.clv.title')} testId="echart-clv" />
      {clv.data && clv.data.withoutClv > 0 ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('overview.clv.withoutClv', { count: clv.data.withoutClv, customers: ctx.fmt.count(clv.data.withoutClv) })}
        </Typography.Text>
      ) : null}
    </ChartCard>
  );
}

/** Value tiers: their share of customers beside their share of revenue. */
export function TierCard({ tiers, run, loading, ctx }: { tiers: Group[] | undefined; run: ScoreRun; loading: boolean; ctx: ChartContext }) {
  const { t } = useTranslation();
  const option = useMemo(() => valueTierOption(toNamed(tiers ?? [], ctx), { customers: t('overview.tiers.customers'), revenue: t('overview.tiers.revenue') }, ctx.fmt), [tiers, ctx, t]);
  const cuts = (run.params as { tiers?: { basis?: string; highMin?: number | null; midMin?: number | null } }).tiers;
  const money = (v: number | null | undefined) => (v === null || v === undefined ? t('overview.kpi.none') : ctx.fmt.money(v));
  const basis = cuts?.basis === 'clv' ? t('overview.tiers.byClv') : t('overview.tiers.byRevenue');
  const empty = (tiers ?? []).every((x) => x.customers === 0) ? <ChartEmpty title={t('overview.tiers.empty')} /> : undefined;
  const revenueTotal = (tiers ?? []).reduce((sum, x) => sum + x.revenueMinor, 0);
  return (
    <ChartCard title={t('overview.tiers.title')} help={t('overview.tiers.help')} loading={loading} empty={empty} height={170} testId="chart-tiers">
      <EChart option={option} height={170} locale={ctx.chartLocale} label={t('overview.tiers.title')} testId="echart-tiers" />
      <Table<Group>
        size="small"
        rowKey="key"
        pagination={false}
        style={{ marginTop: 8 }}
        dataSource={tiers ?? []}
        columns={[
          {
            key: 'tier',
            title: t('overview.tiers.tier'),
            render: (_, g) => (
              <span>
                <span className="patron-dot" style={{ background: colorOf(tierColors, g.key) }} aria-hidden="true" />
                {ctx.groupLabel(g)}
              </span>
            ),
          },
          { key: 'customers', title: t('overview.tiers.customers'), align: 'right', render: (_, g) => `${ctx.fmt.count(g.customers)} (${ctx.fmt.percent(g.share, 0)})` },
          {
            key: 'revenue',
            title: t('overview.tiers.revenue'),
            align: 'right',
            render: (_, g) => `${ctx.fmt.money(g.revenueMinor)} (${ctx.fmt.percent(revenueTotal === 0 ? 0 : g.revenueMinor / revenueTotal, 0)})`,
          },
        ]}
      />
      {cuts ? (
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0', fontSize: 13 }}>
          {t('overview.tiers.cuts', { basis, high: money(cuts.highMin), mid: money(cuts.midMin) })}
        </Typography.Paragraph>
      ) : null}
    </ChartCard>
  );
}
