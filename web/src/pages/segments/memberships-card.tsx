import { Card, List, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchMemberships } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { newSegmentPath, segmentPath } from '../../routing/routes.ts';

/** On the customer 360: the segments this customer is in now, then the earlier stays, each with its dates. */
export function MembershipsCard({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const memberships = useRequest(`memberships|${customerId}`, () => fetchMemberships(client, customerId));
  const rows = [...(memberships.data ?? [])].sort((a, b) => Number(a.exitedAt !== null) - Number(b.exitedAt !== null));
  return (
    <Card title={t('segments.memberships.title')} size="small" data-testid="customer-segments" loading={!memberships.data && !memberships.error}>
      {memberships.error ? <ErrorAlert error={memberships.error} title={t('segments.memberships.failed')} onRetry={memberships.reload} /> : null}
      {memberships.data && rows.length === 0 ? (
        <Typography.Text type="secondary">
          {t('segments.memberships.empty')} <AppLink href={newSegmentPath}>{t('segments.new')}</AppLink>
        </Typography.Text>
      ) : null}
      {rows.length > 0 ? (
        <List
          size="small"
          dataSource={rows}
          renderItem={(m) => (
            <List.Item key={`${m.segmentId}-${m.enteredAt}`}>
              <span>
                <AppLink href={segmentPath(m.segmentId)}>{m.segmentName}</AppLink>{' '}
                {m.exitedAt === null ? (
                  <Tag bordered={false} color="green">
                    {t('segments.memberships.current')}
                  </Tag>
                ) : null}
              </span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {m.exitedAt === null
                  ? t('segments.memberships.since', { date: formatDateTime(m.enteredAt, locale) })
                  : t('segments.memberships.between', { from: formatDateTime(m.enteredAt, locale), to: formatDateTime(m.exitedAt, locale) })}
              </Typography.Text>
            </List.Item>
          )}
        />
      ) : null}
    </Card>
  );
}
