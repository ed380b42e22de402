import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments, type Segment } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { newSegmentPath, segmentPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { SizeSparkline } from './size-sparkline.tsx';
import './segments.css';

/** Saved segments with their member counts; each name opens the segment, and a button starts a new one. */
export function SegmentsListPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const list = useRequest('segments', () => fetchSegments(client));
  const none = !list.loading && !list.error && list.data?.length === 0;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <div className="patron-segment-header">
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('segments.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} href={newSegmentPath} onClick={(e) => (e.preventDefault(), navigate(newSegmentPath))}>
          {t('segments.new')}
        </Button>
      </div>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('segments.intro')}
      </Typography.Paragraph>
      {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
      {none ? (
        <Card>
          <Empty
            description={
              <span className="patron-empty">
                <Typography.Text strong>{t('segments.emptyTitle')}</Typography.Text>
                <Typography.Text type="secondary">{t('segments.emptyBody')}</Typography.Text>
              </span>
            }
          >
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(newSegmentPath)}>
              {t('segments.new')}
            </Button>
          </Empty>
        </Card>
      ) : (
        <Card styles={{ body: { padding: 0 } }}>
          <Table<Segment>
            rowKey="id"
            size="middle"
            pagination={false}
            loading={list.loading}
            dataSource={list.data ?? []}
            scroll={{ x: true }}
            data-testid="segments-table"
            columns={[
              {
                key: 'name',
                title: t('segments.columns.segment'),
                render: (_, s) => (
                  <span className="patron-empty">
                    <AppLink href={segmentPath(s.id)}>{s.name}</AppLink>
                    {s.description ? <Typography.Text type="secondary">{s.description}</Typography.Text> : null}
                  </span>
                ),
              },
              {
                key: 'kind',
                title: t('segments.columns.kind'),
                width: 110,
                render: (_, s) => (
                  <Tag bordered={false} color={s.kind === 'dynamic' ? 'blue' : 'default'}>
                    {t(`segments.segmentKinds.${s.kind}`)}
                  </Tag>
                ),
              },
              { key: 'members', title: t('segments.columns.members'), align: 'right', width: 120, render: (_, s) => <span data-testid={`segment-count-${s.id}`}>{formatCount(s.memberCount, locale)}</span> },
              { key: 'history', title: t('segments.columns.history'), width: 150, render: (_, s) => <SizeSparkline segmentId={s.id} locale={locale} /> },
              { key: 'refreshed', title: t('segments.columns.refreshed'), width: 190, render: (_, s) => formatDateTime(s.refreshedAt, locale) || '—' },
              { key: 'updated', title: t('segments.columns.updated'), width: 190, render: (_, s) => formatDateTime(s.updatedAt, locale) },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}
