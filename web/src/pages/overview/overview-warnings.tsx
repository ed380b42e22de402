import { Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ChartCard, ChartEmpty } from '../../components/charts/chart-card.tsx';
import { colorOf, stageColors, tierColors } from '../../components/charts/palette.ts';
import { CursorPager } from '../../components/cursor-pager.tsx';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from '../../components/cursor-stack.ts';
import { customerPath } from '../../routing/routes.ts';
import { fetchChurnWarnings, type ChurnWarning, type Group } from './overview-api.ts';
import type { ChartContext } from './overview-charts.tsx';

/** The latest run's churn early warnings: who, why (in the console language), P(alive) and the purchase gap; each name opens the customer 360. */
export function ChurnWarningsCard({ runId, total, stages, tiers, ctx }: { runId: number; total: number | undefined; stages: Group[]; tiers: Group[]; ctx: ChartContext }) {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const [pageSize, setPageSize] = useState(20);
  const [pages, setPages] = useState(firstPage);
  const cursor = currentCursor(pages);
  const list = useRequest(`${runId}|${pageSize}|${cursor ?? ''}`, () => fetchChurnWarnings(client, { after: cursor === undefined ? undefined : Number(cursor), limit: pageSize }));
  const zh = i18n.resolvedLanguage === 'zh-CN';
  const label = (groups: Group[], key: string | null) => {
    const group = groups.find((g) => g.key === key);
    return group ? ctx.groupLabel(group) : (key ?? '');
  };
  const fmt = ctx.fmt;

  const columns: ColumnsType<ChurnWarning> = [
    {
      key: 'customer',
      title: t('overview.warnings.customer'),
      width: 170,
      render: (_, w) => (
        <span className="patron-warning-customer">
          <AppLink href={customerPath(w.customerId)}>{w.name ?? t('customers.unnamed')}</AppLink>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {w.externalId ?? t('customer.id', { id: w.customerId })}
          </Typography.Text>
        </span>
      ),
    },
    { key: 'reason', title: t('overview.warnings.reason'), render: (_, w) => (zh ? w.explanation.zh : w.explanation.en) },
    {
      key: 'pAlive',
      title: t('overview.warnings.pAlive'),
      width: 130,
      align: 'right',
      render: (_, w) =>
        w.pAlive === null ? (
          <Typography.Text type="secondary">{t('overview.kpi.none')}</Typography.Text>
        ) : w.previousPAlive !== null && w.previousPAlive !== w.pAlive ? (
          <span>
            <Typography.Text type="secondary">{fmt.percent(w.previousPAlive, 0)} → </Typography.Text>
            <Typography.Text strong>{fmt.percent(w.pAlive, 0)}</Typography.Text>
          </span>
        ) : (
          fmt.percent(w.pAlive, 0)
        ),
    },
    {
      key: 'gap',
      title: t('overview.warnings.gap'),
      width: 150,
      align: 'right',
      render: (_, w) => (
        <span className="patron-warning-gap">
          <span>{t('overview.warnings.daysAgo', { count: w.gapDays, days: fmt.count(w.gapDays) })}</span>
          {w.expectedGapDays !== null ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('overview.warnings.usually', { days: fmt.count(Math.round(w.expectedGapDays)) })}
            </Typography.Text>
          ) : null}
        </span>
      ),
    },
    {
      key: 'stage',
      title: t('overview.warnings.stage'),
      width: 100,
      render: (_, w) => (w.lifecycleStage ? <Tag color={colorOf(stageColors, w.lifecycleStage)}>{label(stages, w.lifecycleStage)}</Tag> : null),
    },
    {
      key: 'tier',
      title: t('overview.warnings.tier'),
      width: 100,
      render: (_, w) =>
        w.valueTier ? (
          <Tag bordered={false} color={w.valueTier === 'low' ? undefined : colorOf(tierColors, w.valueTier)}>
            {label(tiers, w.valueTier)}
          </Tag>
        ) : null,
    },
  ];

  const empty = list.data && list.data.warnings.length === 0 && pageNumber(pages) === 1 ? <ChartEmpty title={t('overview.warnings.empty')} body={t('overview.warnings.emptyBody')} /> : undefined;
  return (
    <ChartCard
      title={t('overview.warnings.title')}
      help={t('overview.warnings.help')}
      extra={total !== undefined ? <Typography.Text type="secondary">{t('overview.warnings.count', { count: total, customers: fmt.count(total) })}</Typography.Text> : undefined}
      loading={false}
      error={list.error && !list.data ? list.error : undefined}
      onRetry={list.reload}
      empty={empty}
      height={160}
      testId="churn-warnings"
    >
      <Table<ChurnWarning>
        rowKey="customerId"
        size="middle"
        columns={columns}
        dataSource={list.data?.warnings ?? []}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 900 }}
      />
      {pageNumber(pages) > 1 || list.data?.next != null ? (
        <CursorPager
          page={pageNumber(pages)}
          hasNext={!list.error && list.data?.next != null}
          pageSize={pageSize}
          loading={list.loading}
          onPrevious={() => setPages(previousPage(pages))}
          onNext={() => setPages(nextPage(pages, list.data?.next == null ? null : String(list.data.next)))}
          onPageSize={(size) => {
            setPageSize(size);
            setPages(firstPage);
          }}
        />
      ) : null}
    </ChartCard>
  );
}
