import { ReloadOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Empty, Row, Skeleton, Space, Typography } from 'antd';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest, type RequestState } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { chartFormat } from '../../components/charts/chart-format.ts';
import { CodeText } from '../../components/code-text.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatCalendarDate, formatDateTime } from '../../format/dates.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { customersPath, overviewPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { OverviewAcquisition } from './overview-acquisition.tsx';
import { fetchClvDistribution, fetchCohorts, fetchKpis, fetchLatestRun, fetchLifecycleFlows, fetchRfmGrid, startScoringRun, type CohortRow, type LatestRun, type Period, type ScoreRun } from './overview-api.ts';
import { ClvCard, CohortCard, FlowsCard, LifecycleCard, RfmCard, TierCard, TrendCard, type ChartContext } from './overview-charts.tsx';
import { OverviewKpiCards } from './overview-kpi-cards.tsx';
import { OverviewPeriodPicker } from './overview-period-picker.tsx';
import { periodFromSearch, todayIn } from './overview-period.ts';
import { ChurnWarningsCard } from './overview-warnings.tsx';

/**
 * The overview (概览): the period's KPIs against the previous period and last year, the monthly trend,
 * lifecycle stages and their flows, the R×F grid, cohort retention, CLV and value tiers, and the churn
 * early warnings. At `/` (home) a workspace without a scoring run goes to the customer list instead.
 */
export function OverviewPage({ home, search }: { home: boolean; search: URLSearchParams }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const language = useLanguage();
  const [generation, setGeneration] = useState(0);
  const latest = useRequest(`latest|${generation}`, () => fetchLatestRun(client));
  const fmt = useMemo(() => chartFormat(intlLocaleOf(language), workspace.currency), [language, workspace.currency]);
  const ctx = useMemo<ChartContext>(() => ({ fmt, chartLocale: language === 'zh-CN' ? 'ZH' : 'EN', groupLabel: (g) => (language === 'zh-CN' ? g.zh : g.en) }), [fmt, language]);
  const goToCustomers = home && latest.data !== undefined && latest.data.run === null;

  useEffect(() => {
    if (goToCustomers) navigate(customersPath(), { replace: true });
  }, [goToCustomers]);

  if (goToCustomers) return null;
  if (!latest.data) {
    return (
      <Space direction="vertical" size="large" style={{ width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('overview.title')}
        </Typography.Title>
        {latest.error ? <ErrorAlert error={latest.error} title={t('overview.loadFailed')} onRetry={latest.reload} /> : <Skeleton active paragraph={{ rows: 10 }} />}
      </Space>
    );
  }
  const today = todayIn(workspace.timezone);
  const anchor = latest.data.run?.asOf ?? today;
  const period = periodFromSearch(search, anchor);
  return (
    <OverviewContent
      latest={latest.data}
      period={period}
      anchor={anchor}
      today={today}
      generation={generation}
      ctx={ctx}
      onPeriod={(p) => navigate(overviewPath(home, p), { replace: true })}
      onScored={() => setGeneration((g) => g + 1)}
    />
  );
}

function OverviewContent(props: { latest: LatestRun; period: Period; anchor: string; today: string; generation: number; ctx: ChartContext; onPeriod: (p: Period) => void; onScored: () => void }) {
  const { latest, period, anchor, today, generation, ctx, onPeriod, onScored } = props;
  const { t } = useTranslation();
  const client = useApiClient();
  const run = latest.run;
  const kpis = useRequest(`kpis|${period.from}|${period.to}|${generation}`, () => fetchKpis(client, period));
  const cohorts = useRequest(`cohorts|${period.to}|${generation}`, () => fetchCohorts(client, period.to));
  const noOrders = run === null && kpis.data?.current.customers === 0;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <div className="patron-overview-header">
        <div>
          <Typography.Title level={2} style={{ margin: 0 }}>
            {t('overview.title')}
          </Typography.Title>
          <RunLine run={run} />
        </div>
        {noOrders ? null : (
          <Space wrap size="middle">
            <OverviewPeriodPicker period={period} anchor={anchor} today={today} onChange={onPeriod} />
            {run ? <ScoreButton onScored={onScored} type="default" /> : null}
          </Space>
        )}
      </div>
      {noOrders ? (
        <NoOrders />
      ) : run === null && !kpis.data && !kpis.error ? (
        // Whether there are orders at all decides between the two empty states: wait for it.
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : (
        <>
          <OverviewKpiCards report={kpis.data} loading={kpis.loading} error={kpis.error} onRetry={kpis.reload} period={period} fmt={ctx.fmt} />
          <OverviewAcquisition report={kpis.data} fmt={ctx.fmt} />
          {run ? (
            <ScoredSections latest={latest} run={run} period={period} cohorts={cohorts} generation={generation} ctx={ctx} />
          ) : (
            <>
              <NotScored onScored={onScored} />
              <Row gutter={[16, 16]}>
                <Col xs={24} xl={12}>
                  <TrendCard cohorts={cohorts} period={period} ctx={ctx} />
                </Col>
                <Col xs={24} xl={12}>
                  <CohortCard cohorts={cohorts} ctx={ctx} />
                </Col>
              </Row>
            </>
          )}
        </>
      )}
    </Space>
  );
}

function ScoredSections({ latest, run, period, cohorts, generation, ctx }: { latest: LatestRun; run: ScoreRun; period: Period; cohorts: RequestState<CohortRow[]>; generation: number; ctx: ChartContext }) {
  const client = useApiClient();
  const grid = useRequest(`grid|${run.id}|${generation}`, () => fetchRfmGrid(client));
  const flows = useRequest(`flows|${period.from}|${period.to}|${generation}`, () => fetchLifecycleFlows(client, period));
  const clv = useRequest(`clv|${run.id}|${generation}`, () => fetchClvDistribution(client));
  const warningTotal = typeof run.diagnostics.warnings === 'number' ? run.diagnostics.warnings : undefined;
  return (
    <>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <TrendCard cohorts={cohorts} period={period} ctx={ctx} />
        </Col>
        <Col xs={24} xl={8}>
          <LifecycleCard stages={latest.lifecycle} loading={false} ctx={ctx} />
        </Col>
        <Col xs={24} xl={12}>
          <FlowsCard flows={flows} stages={latest.lifecycle} ctx={ctx} />
        </Col>
        <Col xs={24} xl={12}>
          <RfmCard grid={grid} segments={latest.segments} ctx={ctx} />
        </Col>
        <Col xs={24}>
          <CohortCard cohorts={cohorts} ctx={ctx} />
        </Col>
        <Col xs={24} xl={14}>
          <ClvCard clv={clv} run={run} ctx={ctx} />
        </Col>
        <Col xs={24} xl={10}>
          <TierCard tiers={latest.valueTiers} run={run} loading={false} ctx={ctx} />
        </Col>
        <Col xs={24}>
          <ChurnWarningsCard runId={run.id} total={warningTotal} stages={latest.lifecycle} tiers={latest.valueTiers} ctx={ctx} />
        </Col>
      </Row>
    </>
  );
}

/** "Scores as of …, run n, finished …" under the title. */
function RunLine({ run }: { run: ScoreRun | null }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  if (!run) return <Typography.Text type="secondary">{t('overview.notScoredYet')}</Typography.Text>;
  return (
    <Typography.Text type="secondary" data-testid="run-line">
      {t('overview.asOf', { date: formatCalendarDate(run.asOf, locale), run: run.id, finished: formatDateTime(run.finishedAt, locale), customers: new Intl.NumberFormat(locale).format(run.customers) })}
    </Typography.Text>
  );
}

/** Starts a scoring run (the same as `patron analyze`) and reloads the page's data when it is done. */
function ScoreButton({ onScored, type }: { onScored: () => void; type: 'primary' | 'default' }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const locale = intlLocaleOf(useLanguage());
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>();
  const score = async () => {
    setRunning(true);
    setError(undefined);
    try {
      const result = await startScoringRun(client);
      void message.success(t('overview.scored', { customers: new Intl.NumberFormat(locale).format(result.customers), seconds: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(result.seconds) }));
      onScored();
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  return (
    <Space direction="vertical">
      <Button type={type} icon={type === 'primary' ? <ThunderboltOutlined /> : <ReloadOutlined />} loading={running} onClick={() => void score()}>
        {running ? t('overview.scoring') : type === 'primary' ? t('overview.empty.scoreNow') : t('overview.rescore')}
      </Button>
      {error ? <ErrorAlert error={error} title={t('overview.scoreFailed')} /> : null}
    </Space>
  );
}

/** Orders are in, but no scoring run yet: the command, and a button that runs it. */
function NotScored({ onScored }: { onScored: () => void }) {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  return (
    <Card data-testid="overview-not-scored">
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<EmptyText title={t('overview.empty.notScoredTitle')} body={<CodeText i18nKey="overview.empty.notScoredBody" values={{ slug: workspace.slug }} />} />}>
        <ScoreButton onScored={onScored} type="primary" />
      </Empty>
    </Card>
  );
}

/** No orders at all: how to bring them in. */
function NoOrders() {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  return (
    <Card data-testid="overview-no-orders">
      <Empty image={Empty.PRESENTED_IMAGE_DEFAULT} description={<EmptyText title={t('overview.empty.noOrdersTitle')} body={<CodeText i18nKey="overview.empty.noOrdersBody" values={{ slug: workspace.slug }} />} />} />
    </Card>
  );
}

function EmptyText({ title, body }: { title: string; body: ReactNode }) {
  return (
    <span className="patron-empty patron-overview-empty">
      <Typography.Text strong>{title}</Typography.Text>
      <Typography.Text type="secondary">{body}</Typography.Text>
    </span>
  );
}
