import { Card, Col, Empty, Row, Statistic, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ChartFormat } from '../../components/charts/chart-format.ts';
import type { KpiReport } from './overview-api.ts';

type Acquisition = KpiReport['current']['acquisition'][number];
type Survey = KpiReport['current']['nps'];

/** CAC per acquisition channel (with the previous period's) and NPS/CSAT of the period, with empty states saying how to bring the data in. */
export function OverviewAcquisition({ report, fmt }: { report: KpiReport | undefined; fmt: ChartFormat }) {
  const { t } = useTranslation();
  if (!report) return null;
  const { current, previous } = report;
  const money = (v: number | null) => (v === null ? t('overview.kpi.none') : fmt.money(Math.round(v)));
  const previousCac = (channel: string | null) => previous.acquisition.find((a) => a.channel === channel)?.cacMinor ?? null;
  const hasSpend = current.acquisition.some((a) => a.spendMinor > 0) || previous.acquisition.some((a) => a.spendMinor > 0);
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Card title={t('overview.acquisition.title')} data-testid="overview-cac">
          {hasSpend ? (
            <Table<Acquisition>
              size="small"
              pagination={false}
              rowKey={(a) => a.channel ?? ''}
              dataSource={[...current.acquisition]}
              columns={[
                { title: t('overview.acquisition.channel'), dataIndex: 'channel', render: (c: string | null) => c ?? t('overview.acquisition.noChannel') },
                { title: t('overview.acquisition.spend'), dataIndex: 'spendMinor', align: 'right', render: (v: number) => fmt.money(v) },
                { title: t('overview.acquisition.newCustomers'), dataIndex: 'newCustomers', align: 'right', render: (v: number) => fmt.count(v) },
                { title: t('overview.acquisition.cac'), dataIndex: 'cacMinor', align: 'right', render: (v: number | null) => money(v) },
                { title: t('overview.acquisition.cacPrevious'), key: 'previous', align: 'right', render: (_: unknown, a: Acquisition) => money(previousCac(a.channel)) },
              ]}
            />
          ) : (
            <Empty description={<Typography.Text type="secondary">{t('overview.acquisition.empty')}</Typography.Text>} />
          )}
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card title={t('overview.surveys.title')} data-testid="overview-surveys">
          {current.nps.responses === 0 && current.csat.responses === 0 ? (
            <Empty description={<Typography.Text type="secondary">{t('overview.surveys.empty')}</Typography.Text>} />
          ) : (
            <Row gutter={16}>
              <Col span={12}>
                <SurveyStat label={t('overview.surveys.nps')} survey={current.nps} before={previous.nps} fmt={fmt} suffix="" />
              </Col>
              <Col span={12}>
                <SurveyStat label={t('overview.surveys.csat')} survey={current.csat} before={previous.csat} fmt={fmt} suffix="%" />
              </Col>
            </Row>
          )}
        </Card>
      </Col>
    </Row>
  );
}

function SurveyStat({ label, survey, before, fmt, suffix }: { label: string; survey: Survey; before: Survey; fmt: ChartFormat; suffix: string }) {
  const { t } = useTranslation();
  const one = new Intl.NumberFormat(fmt.locale, { maximumFractionDigits: 1 });
  return (
    <div data-testid={`survey-${label}`}>
      <Statistic title={label} value={survey.score === null ? t('overview.kpi.none') : `${one.format(survey.score)}${suffix}`} />
      <Typography.Text type="secondary">
        {t('overview.surveys.responses', { count: survey.responses, n: fmt.count(survey.responses) })}
        {before.score !== null && survey.score !== null ? ` · ${t('overview.surveys.previous', { value: `${one.format(before.score)}${suffix}` })}` : ''}
      </Typography.Text>
    </div>
  );
}
