import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { campaignPath, newCampaignPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { fetchCampaigns, type Campaign, type CampaignStatus } from './campaigns-api.ts';
import '../journeys/journeys.css';

/** The tag colour of each campaign status. */
export const statusColors: Readonly<Record<CampaignStatus, string>> = { draft: 'default', scheduled: 'blue', sending: 'processing', sent: 'green', cancelled: 'default' };

/** Campaigns, newest first: audience, channel, variants and holdout, when they go or went out. */
export function CampaignsListPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const list = useRequest('campaigns', () => fetchCampaigns(client));
  const segments = useRequest('segments', () => fetchSegments(client));
  const segmentName = (id: number) => segments.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  const none = !list.loading && !list.error && list.data?.length === 0;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <div className="patron-journey-header">
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('campaigns.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} href={newCampaignPath} onClick={(e) => (e.preventDefault(), navigate(newCampaignPath))}>
          {t('campaigns.new')}
        </Button>
      </div>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('campaigns.intro')}
      </Typography.Paragraph>
      {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
      {none ? (
        <Card>
          <Empty
            description={
              <span className="patron-empty">
                <Typography.Text strong>{t('campaigns.emptyTitle')}</Typography.Text>
                <Typography.Text type="secondary">{t('campaigns.emptyBody')}</Typography.Text>
              </span>
            }
          >
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(newCampaignPath)}>
              {t('campaigns.new')}
            </Button>
          </Empty>
        </Card>
      ) : (
        <Card styles={{ body: { padding: 0 } }}>
          <Table<Campaign>
            rowKey="id"
            size="middle"
            pagination={false}
            loading={list.loading}
            dataSource={list.data ?? []}
            scroll={{ x: true }}
            data-testid="campaigns-table"
            columns={[
              { key: 'name', title: t('campaigns.columns.campaign'), render: (_, c) => <AppLink href={campaignPath(c.id)}>{c.name}</AppLink> },
              {
                key: 'status',
                title: t('campaigns.columns.status'),
                width: 110,
                render: (_, c) => (
                  <Tag color={statusColors[c.status]} data-testid={`campaign-status-${c.id}`}>
                    {t(`campaigns.statuses.${c.status}`)}
                  </Tag>
                ),
              },
              { key: 'segment', title: t('campaigns.columns.audience'), render: (_, c) => segmentName(c.segmentId) },
              { key: 'channel', title: t('campaigns.columns.channel'), width: 110, render: (_, c) => t(`journeys.channels.${c.definition.channel}`) },
              { key: 'variants', title: t('campaigns.columns.variants'), width: 90, align: 'right', render: (_, c) => c.definition.variants.length },
              {
                key: 'holdout',
                title: t('campaigns.columns.holdout'),
                width: 100,
                align: 'right',
                render: (_, c) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(c.definition.holdoutShare),
              },
              { key: 'when', title: t('campaigns.columns.when'), width: 190, render: (_, c) => formatDateTime(c.startedAt ?? c.scheduledAt ?? c.createdAt, locale) },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}
