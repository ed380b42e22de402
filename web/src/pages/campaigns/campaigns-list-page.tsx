import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ListPage } from '../../components/list-page.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { campaignPath, newCampaignPath } from '../../routing/routes.ts';
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
  return (
    <ListPage<Campaign>
      texts={{ title: t('campaigns.title'), intro: t('campaigns.intro'), create: t('campaigns.new'), emptyTitle: t('campaigns.emptyTitle'), emptyBody: t('campaigns.emptyBody') }}
      createPath={newCampaignPath}
      list={list}
      testId="campaigns-table"
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
  );
}
