import { ArrowDownOutlined, ArrowUpOutlined, InfoCircleOutlined, MinusOutlined } from '@ant-design/icons';
import { Card, Col, Row, Skeleton, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import './overview.css';
import { useTranslation } from 'react-i18next';
import type { ChartFormat } from '../../components/charts/chart-format.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatCalendarDate } from '../../format/dates.ts';
import type { KpiReport, Period } from './overview-api.ts';
import { kpiCards, kpiKeys, type KpiCard, type KpiChange } from './overview-kpis.ts';
import { previousPeriod, sameDatesLastYear } from './overview-period.ts';

const changeColors = { good: '#15803d', bad: '#b91c1c', flat: 'rgba(0, 0, 0, 0.6)' } as const;

/** The period's KPIs as cards: the value, and its change against the previous period and the same period last year. */
export function OverviewKpiCards(props: { report: KpiReport | undefined; loading: boolean; error: unknown; onRetry: () => void; period: Period; fmt: ChartFormat }) {
  const { report, loading, error, onRetry, period, fmt } = props;
  const { t } = useTranslation();
  if (error && !report) return <ErrorAlert error={error} title={t('overview.kpi.title')} onRetry={onRetry} />;
  const cards = report ? kpiCards(report) : undefined;
  const range = (p: Period) => t('overview.period.between', { from: formatCalendarDate(p.from, fmt.locale), to: formatCalendarDate(p.to, fmt.locale) });
  const value = (card: KpiCard, v: number | null) => {
    if (v === null) return t('overview.kpi.none');
    if (card.unit === 'money') return fmt.money(v);
    if (card.unit === 'percent') return fmt.percent(v);
    return fmt.count(v);
  };
  return (
    <section aria-label={t('overview.kpi.title')} data-testid="kpi-cards">
      <Row gutter={[16, 16]}>
        {kpiKeys.map((key) => {
          const card = cards?.find((c) => c.key === key);
          return (
            <Col key={key} xs={24} sm={12} lg={6}>
              <Card className="patron-kpi-card" data-kpi={key} styles={{ body: { padding: '16px 20px' } }}>
                <div className="patron-kpi-title">
                  <span>{t(`overview.kpi.${key}`)}</span>
                  <Tooltip title={t(`overview.kpi.help.${key}`)}>
                    <InfoCircleOutlined className="patron-chart-help" aria-label={t(`overview.kpi.help.${key}`)} tabIndex={0} />
                  </Tooltip>
                </div>
                {!card || (loading && !report) ? (
                  <Skeleton active title={false} paragraph={{ rows: 2 }} />
                ) : (
                  <>
                    <div className="patron-kpi-value" data-testid={`kpi-${key}`}>
                      {value(card, card.value)}
                    </div>
                    <div className="patron-kpi-changes">
                      <Change label={t('overview.kpi.vsPrevious')} change={card.vsPrevious} detail={`${range(previousPeriod(period))}: ${card.vsPrevious ? value(card, card.vsPrevious.before) : t('overview.kpi.none')}`} fmt={fmt} />
                      <Change label={t('overview.kpi.vsLastYear')} change={card.vsLastYear} detail={`${range(sameDatesLastYear(period))}: ${card.vsLastYear ? value(card, card.vsLastYear.before) : t('overview.kpi.none')}`} fmt={fmt} />
                    </div>
                  </>
                )}
              </Card>
            </Col>
          );
        })}
      </Row>
    </section>
  );
}

function Change({ label, change, detail, fmt }: { label: string; change: KpiChange | null; detail: string; fmt: ChartFormat }) {
  const { t } = useTranslation();
  let body: ReactNode;
  if (!change) {
    body = <Typography.Text type="secondary">{t('overview.kpi.noComparison')}</Typography.Text>;
  } else {
    const color = change.good === null ? changeColors.flat : change.good ? changeColors.good : changeColors.bad;
    const icon = change.direction === 'up' ? <ArrowUpOutlined aria-hidden="true" /> : change.direction === 'down' ? <ArrowDownOutlined aria-hidden="true" /> : <MinusOutlined aria-hidden="true" />;
    const amount = Math.abs(change.value);
    const text = change.kind === 'points' ? t('overview.kpi.points', { value: new Intl.NumberFormat(fmt.locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(amount * 100) }) : fmt.percent(amount);
    body = (
      <span style={{ color, fontWeight: 500 }}>
        {icon} <span className="patron-visually-hidden">{t(`overview.kpi.${change.direction}`)}</span>
        {text}
      </span>
    );
  }
  return (
    <Tooltip title={detail}>
      <div className="patron-kpi-change" tabIndex={0}>
        <span className="patron-kpi-change-label">{label}</span>
        {body}
      </div>
    </Tooltip>
  );
}
