import { ArrowLeftOutlined, CodeOutlined, DeleteOutlined, DownloadOutlined, EditOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Checkbox, Col, Descriptions, Popconfirm, Row, Segmented, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import {
  archiveSegment,
  audienceCsvPath,
  defaultExportColumns,
  downloadFile,
  exportColumns,
  fetchCatalogue,
  fetchMembers,
  fetchSegment,
  fetchSegments,
  fetchSizes,
  membersCsvPath,
  refreshSegment,
  type ExportColumn,
  type Segment,
  type SegmentMember,
} from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { AppLink } from '../../components/app-link.tsx';
import { ChartCard, ChartEmpty } from '../../components/charts/chart-card.tsx';
import { chartFormat } from '../../components/charts/chart-format.ts';
import { EChart } from '../../components/charts/echart.tsx';
import { CursorPager } from '../../components/cursor-pager.tsx';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from '../../components/cursor-stack.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { customerPath, segmentEditPath, segmentsPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { enumLabel } from './enum-labels.ts';
import { RuleBuilder } from './rule-builder.tsx';
import { fromRuleJson } from './rule-model.ts';
import { currencySymbol, SqlDrawer } from './segment-editor-page.tsx';
import { sizesOption } from './sizes-option.ts';
import { WhyDrawer } from './why-tree.tsx';
import './segments.css';

/** One saved segment: its figures, size history, rule, members (with "why") and exports. */
export function SegmentDetailPage({ id }: { id: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const segment = useRequest(`segment|${id}`, () => fetchSegment(client, id));
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <AppLink href={segmentsPath}>
        <ArrowLeftOutlined aria-hidden="true" /> {t('segments.backToList')}
      </AppLink>
      {segment.error && !segment.data ? <ErrorAlert error={segment.error} title={t('segments.loadFailed')} onRetry={segment.reload} /> : null}
      {!segment.data && !segment.error ? <Skeleton active paragraph={{ rows: 8 }} /> : null}
      {segment.data ? <SegmentDetail segment={segment.data} onChanged={segment.reload} /> : null}
    </Space>
  );
}

function SegmentDetail({ segment, onChanged }: { segment: Segment; onChanged: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const workspace = useWorkspace();
  const language = useLanguage();
  const locale = intlLocaleOf(language);
  const [busy, setBusy] = useState<'refresh' | 'archive'>();
  const [actionError, setActionError] = useState<unknown>();
  const [sqlOpen, setSqlOpen] = useState(false);
  const [whyId, setWhyId] = useState<number>();
  // "event:Product Viewed", "segment:3": the kind of data in words, then what of it.
  const readLabel = (read: string) => {
    const [what, which] = read.split(/:(.*)/s);
    return `${t(`segments.reads.${what}`, { defaultValue: what })}${which ? ` ${which}` : ''}`;
  };
  // Members and sizes are read again after a refresh.
  const [generation, setGeneration] = useState(0);

  const run = async (action: 'refresh' | 'archive') => {
    setBusy(action);
    setActionError(undefined);
    try {
      if (action === 'refresh') {
        await refreshSegment(client, segment.id);
        void message.success(t('segments.detail.refreshed'));
        setGeneration((g) => g + 1);
        onChanged();
      } else {
        await archiveSegment(client, segment.id);
        void message.success(t('segments.detail.archived', { name: segment.name }));
        navigate(segmentsPath);
      }
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <div className="patron-segment-header">
        <div>
          <Space align="center" wrap>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {segment.name}
            </Typography.Title>
            <Tag bordered={false} color={segment.kind === 'dynamic' ? 'blue' : 'default'}>
              {t(`segments.segmentKinds.${segment.kind}`)}
            </Tag>
          </Space>
          {segment.description ? <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>{segment.description}</Typography.Paragraph> : null}
        </div>
        <Space wrap>
          <Button icon={<EditOutlined />} onClick={() => navigate(segmentEditPath(segment.id))}>
            {t('segments.detail.edit')}
          </Button>
          <Button icon={<ReloadOutlined />} loading={busy === 'refresh'} onClick={() => void run('refresh')}>
            {segment.kind === 'static' ? t('segments.detail.snapshot') : t('segments.detail.refresh')}
          </Button>
          <Popconfirm title={t('segments.detail.archiveConfirm', { name: segment.name })} okText={t('segments.detail.archive')} cancelText={t('segments.detail.cancel')} onConfirm={() => run('archive')}>
            <Button danger icon={<DeleteOutlined />} loading={busy === 'archive'}>
              {t('segments.detail.archive')}
            </Button>
          </Popconfirm>
        </Space>
      </div>
      {actionError ? <ErrorAlert error={actionError} title={t('segments.detail.actionFailed')} /> : null}
      <Card size="small">
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2, xl: 4 }}
          items={[
            { key: 'members', label: t('segments.detail.members'), children: <span data-testid="segment-member-count">{formatCount(segment.memberCount, locale)}</span> },
            { key: 'refreshed', label: t('segments.detail.refreshedAt'), children: formatDateTime(segment.refreshedAt, locale) || '—' },
            { key: 'updated', label: t('segments.detail.updatedAt'), children: formatDateTime(segment.updatedAt, locale) },
            {
              key: 'reads',
              label: t('segments.detail.reads'),
              children: segment.reads.map((r) => readLabel(r)).join(', ') + (segment.timeDependent ? ` · ${t('segments.preview.timeDependent')}` : ''),
            },
          ]}
        />
      </Card>
      <SizesCard segmentId={segment.id} generation={generation} currency={workspace.currency} locale={locale} language={language} />
      <RuleCard segment={segment} onSql={() => setSqlOpen(true)} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <MembersCard segmentId={segment.id} generation={generation} currency={workspace.currency} locale={locale} onWhy={setWhyId} />
        </Col>
        <Col xs={24} xl={9}>
          <ExportCard segment={segment} />
        </Col>
      </Row>
      <SqlDrawer open={sqlOpen} rule={segment.rule} onClose={() => setSqlOpen(false)} />
      <WhyDrawer customerId={whyId} segmentId={segment.id} onClose={() => setWhyId(undefined)} />
    </>
  );
}

const periods = [30, 90, 365] as const;

function SizesCard({ segmentId, generation, currency, locale, language }: { segmentId: number; generation: number; currency: string; locale: string; language: string }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const [days, setDays] = useState<number>(90);
  const sizes = useRequest(`sizes|${segmentId}|${days}|${generation}`, () => fetchSizes(client, segmentId, days));
  const option = useMemo(() => {
    const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    return sizesOption(sizes.data ?? [], chartFormat(locale, currency), {
      members: t('segments.sizes.members'),
      entered: t('segments.sizes.entered'),
      exited: t('segments.sizes.exited'),
      day: (d) => dayFormat.format(new Date(`${d}T00:00:00Z`)),
    });
  }, [sizes.data, locale, currency, t]);
  return (
    <ChartCard
      title={t('segments.sizes.title')}
      help={t('segments.sizes.help')}
      testId="segment-sizes"
      height={280}
      loading={sizes.loading && !sizes.data}
      error={sizes.error}
      onRetry={sizes.reload}
      empty={sizes.data && sizes.data.length === 0 ? <ChartEmpty title={t('segments.sizes.empty')} body={t('segments.sizes.emptyBody')} /> : undefined}
      extra={
        <Segmented<number>
          size="small"
          aria-label={t('segments.sizes.period')}
          value={days}
          options={periods.map((d) => ({ value: d, label: t('segments.sizes.days', { count: d }) }))}
          onChange={setDays}
        />
      }
    >
      <EChart option={option} height={280} locale={language === 'en' ? 'EN' : 'ZH'} label={t('segments.sizes.title')} testId="echart-segment-sizes" />
    </ChartCard>
  );
}

function RuleCard({ segment, onSql }: { segment: Segment; onSql: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const catalogue = useRequest('segments-catalogue', () => fetchCatalogue(client));
  const saved = useRequest('segments', () => fetchSegments(client));
  const root = useMemo(() => fromRuleJson(segment.rule), [segment.rule]);
  return (
    <Card
      title={t('segments.detail.rule')}
      size="small"
      extra={
        <Space>
          <Button size="small" icon={<CodeOutlined />} onClick={onSql}>
            {t('segments.preview.showSql')}
          </Button>
          <Button size="small" icon={<EditOutlined />} onClick={() => navigate(segmentEditPath(segment.id))}>
            {t('segments.detail.edit')}
          </Button>
        </Space>
      }
    >
      {catalogue.error ? <ErrorAlert error={catalogue.error} onRetry={catalogue.reload} /> : null}
      {catalogue.data ? (
        <RuleBuilder
          root={root}
          onChange={() => undefined}
          readOnly
          catalogue={catalogue.data}
          tags={[]}
          segments={saved.data ?? []}
          currencySymbol={currencySymbol(workspace.currency, locale)}
        />
      ) : (
        <Skeleton active />
      )}
    </Card>
  );
}

function MembersCard({ segmentId, generation, currency, locale, onWhy }: { segmentId: number; generation: number; currency: string; locale: string; onWhy: (id: number) => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const [pageSize, setPageSize] = useState(20);
  const [pages, setPages] = useState(firstPage);
  const cursor = currentCursor(pages);
  const members = useRequest(`members|${segmentId}|${pageSize}|${cursor ?? ''}|${generation}`, () =>
    fetchMembers(client, segmentId, { limit: pageSize, after: cursor === undefined ? undefined : Number(cursor) }),
  );
  return (
    <Card title={t('segments.detail.membersTitle')} size="small" styles={{ body: { padding: 0 } }} data-testid="segment-members">
      {members.error ? (
        <div style={{ padding: 16 }}>
          <ErrorAlert error={members.error} onRetry={members.reload} />
        </div>
      ) : null}
      <Table<SegmentMember>
        rowKey="customerId"
        size="middle"
        pagination={false}
        loading={members.loading}
        dataSource={members.error ? [] : (members.data?.members ?? [])}
        scroll={{ x: true }}
        locale={{ emptyText: members.loading ? ' ' : t('segments.detail.noMembers') }}
        columns={[
          { key: 'name', title: t('segments.columns.name'), render: (_, m) => <AppLink href={customerPath(m.customerId)}>{m.name ?? t('customers.unnamed')}</AppLink> },
          { key: 'city', title: t('segments.columns.city'), render: (_, m) => m.city ?? '—' },
          { key: 'rfm', title: t('segments.columns.rfm'), render: (_, m) => enumLabel(t, 'rfm_segment', m.rfmSegment) },
          { key: 'stage', title: t('segments.columns.stage'), render: (_, m) => enumLabel(t, 'lifecycle_stage', m.lifecycleStage) },
          { key: 'total', title: t('segments.columns.total'), align: 'right', render: (_, m) => formatMoney(m.totalSpentMinor, currency, locale) },
          { key: 'entered', title: t('segments.columns.entered'), render: (_, m) => <time dateTime={m.enteredAt}>{formatDateTime(m.enteredAt, locale)}</time> },
          {
            key: 'why',
            title: <span className="patron-visually-hidden">{t('segments.why.column')}</span>,
            render: (_, m) => (
              <Button size="small" type="link" onClick={() => onWhy(m.customerId)} aria-label={t('segments.why.forCustomer', { name: m.name ?? m.customerId })}>
                {t('segments.why.button')}
              </Button>
            ),
          },
        ]}
      />
      {pageNumber(pages) > 1 || members.data?.next ? (
        <CursorPager
          page={pageNumber(pages)}
          hasNext={!members.error && members.data?.next != null}
          pageSize={pageSize}
          loading={members.loading}
          onPrevious={() => setPages(previousPage(pages))}
          onNext={() => setPages(nextPage(pages, members.data?.next == null ? null : String(members.data.next)))}
          onPageSize={(size) => {
            setPageSize(size);
            setPages(firstPage);
          }}
        />
      ) : null}
    </Card>
  );
}

function ExportCard({ segment }: { segment: Segment }) {
  const { t } = useTranslation();
  const [columns, setColumns] = useState<ExportColumn[]>([...defaultExportColumns]);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const download = async (which: string, path: string, fileName: string) => {
    setBusy(which);
    setError(undefined);
    try {
      await downloadFile(path, fileName);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  // In the server's order, whatever order they were ticked in.
  const ordered = exportColumns.filter((c) => columns.includes(c));
  const membersPath = membersCsvPath(segment.id, ordered);
  return (
    <Card title={t('segments.export.title')} size="small" data-testid="segment-export">
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <fieldset className="patron-fieldset">
          <legend>
            <Typography.Text strong>{t('segments.export.columns')}</Typography.Text>
          </legend>
          {/* One checkbox each, toggled from the latest state: Checkbox.Group keeps a copy of its value that
              lags a render behind, so two quick ticks could undo the first. */}
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))', gap: 4 }}>
            {exportColumns.map((c) => (
              <Checkbox
                key={c}
                checked={columns.includes(c)}
                onChange={(e) => {
                  const on = e.target.checked;
                  setColumns((current) => (on ? [...current.filter((x) => x !== c), c] : current.filter((x) => x !== c)));
                }}
              >
                {t(`segments.export.column.${c}`, { defaultValue: c })}
              </Checkbox>
            ))}
          </div>
        </fieldset>
        <Space wrap>
          <Button
            type="primary"
            icon={<DownloadOutlined />}
            href={membersPath}
            disabled={ordered.length === 0}
            loading={busy === 'members'}
            data-testid="export-members"
            onClick={(e) => {
              e.preventDefault();
              void download('members', membersPath, `segment-${segment.id}-members.csv`);
            }}
          >
            {t('segments.export.members', { count: segment.memberCount })}
          </Button>
          {ordered.length === 0 ? <Typography.Text type="secondary">{t('segments.export.pickColumns')}</Typography.Text> : null}
        </Space>
        <div>
          <Typography.Text strong>{t('segments.export.audience')}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ margin: '4px 0 8px' }}>
            {t('segments.export.audienceHelp')}
          </Typography.Paragraph>
          <Space wrap>
            {(['meta', 'google'] as const).map((format) => (
              <Button
                key={format}
                icon={<DownloadOutlined />}
                href={audienceCsvPath(segment.id, format)}
                loading={busy === format}
                data-testid={`export-audience-${format}`}
                onClick={(e) => {
                  e.preventDefault();
                  void download(format, audienceCsvPath(segment.id, format), `segment-${segment.id}-audience-${format}.csv`);
                }}
              >
                {t(`segments.export.${format}`)}
              </Button>
            ))}
          </Space>
        </div>
        {error ? <ErrorAlert error={error} title={t('segments.export.failed')} /> : null}
      </Space>
    </Card>
  );
}
