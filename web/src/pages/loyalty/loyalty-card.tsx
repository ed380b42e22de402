import { Card, Descriptions, List, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { ApiError } from '../../api/api-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDate, formatDateTime } from '../../format/dates.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { loyaltyPath } from '../../routing/routes.ts';
import { fetchAccount, fetchCustomerCoupons, fetchPostings, type Posting } from './loyalty-api.ts';

const couponColors = { active: 'green', redeemed: 'blue', expired: 'default' } as const;

/** On the customer 360: the points balance, tier, points expiring next, the latest ledger entries and the coupons. */
export function LoyaltyCard({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const state = useRequest(`loyalty|${customerId}`, async () => {
    try {
      const [account, postings, coupons] = await Promise.all([fetchAccount(client, customerId), fetchPostings(client, customerId, 20), fetchCustomerCoupons(client, customerId)]);
      return { account, postings, coupons };
    } catch (error) {
      // No program yet: the card says where to start one.
      if (error instanceof ApiError && error.code === 'not_found') return null;
      throw error;
    }
  });
  const data = state.data;
  return (
    <Card title={t('loyalty.card.title')} size="small" data-testid="customer-loyalty" loading={data === undefined && !state.error}>
      {state.error ? <ErrorAlert error={state.error} title={t('loyalty.card.failed')} onRetry={state.reload} /> : null}
      {data === null ? (
        <Typography.Text type="secondary">
          {t('loyalty.card.noProgram')} <AppLink href={loyaltyPath}>{t('loyalty.card.setUp')}</AppLink>
        </Typography.Text>
      ) : null}
      {data ? (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Space size="large" wrap>
            <Statistic title={t('loyalty.card.balance')} value={formatCount(data.account.balance, locale)} />
            <Statistic title={t('loyalty.card.tier')} value={data.account.tier?.name ?? t('loyalty.card.noTier')} />
          </Space>
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            {data.account.tierSince ? <Descriptions.Item label={t('loyalty.card.tierSince')}>{formatDate(data.account.tierSince, locale)}</Descriptions.Item> : null}
            {data.account.tierReviewAt ? <Descriptions.Item label={t('loyalty.card.tierReview')}>{formatDate(data.account.tierReviewAt, locale)}</Descriptions.Item> : null}
            <Descriptions.Item label={t('loyalty.card.expiring')}>
              {data.account.expiring.length === 0
                ? t('loyalty.none')
                : data.account.expiring
                    .slice(0, 2)
                    .map((e) => t('loyalty.card.expiringText', { points: formatCount(e.points, locale), date: formatDate(e.expiresAt, locale) }))
                    .join('; ')}
            </Descriptions.Item>
          </Descriptions>
          <Table<Posting>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={data.postings}
            data-testid="loyalty-ledger"
            aria-label={t('loyalty.card.ledger')}
            locale={{ emptyText: t('loyalty.card.noPostings') }}
            columns={[
              { key: 'date', title: t('loyalty.card.date'), render: (_, p) => formatDateTime(p.occurredAt, locale) },
              {
                key: 'kind',
                title: t('loyalty.card.kind'),
                render: (_, p) => (
                  <>
                    {t(`loyalty.kinds.${p.kind}`)}
                    {p.customerId !== customerId ? (
                      <Tag bordered={false} style={{ marginInlineStart: 6 }}>
                        {t('loyalty.card.fromMerged', { id: p.customerId })}
                      </Tag>
                    ) : null}
                  </>
                ),
              },
              { key: 'reason', title: t('loyalty.card.reason'), render: (_, p) => p.reason },
              {
                key: 'points',
                title: t('loyalty.points'),
                align: 'right',
                render: (_, p) => <Typography.Text type={p.points < 0 ? 'danger' : 'success'}>{`${p.points > 0 ? '+' : ''}${formatCount(p.points, locale)}`}</Typography.Text>,
              },
            ]}
          />
          <div>
            <Typography.Text strong>{t('loyalty.card.coupons')}</Typography.Text>
            {data.coupons.length === 0 ? (
              <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
                {t('loyalty.card.noCoupons')}
              </Typography.Paragraph>
            ) : (
              <List
                size="small"
                dataSource={data.coupons}
                renderItem={(c) => (
                  <List.Item key={c.id}>
                    <Typography.Text code>{c.code}</Typography.Text>
                    <span>
                      <Tag bordered={false} color={couponColors[c.state]}>
                        {t(`loyalty.couponStates.${c.state}`)}
                      </Tag>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {c.state === 'redeemed' ? t('loyalty.card.usedOn', { order: c.orderExternalId ?? '' }) : c.expiresAt ? t('loyalty.card.until', { date: formatDate(c.expiresAt, locale) }) : ''}
                      </Typography.Text>
                    </span>
                  </List.Item>
                )}
              />
            )}
          </div>
        </Space>
      ) : null}
    </Card>
  );
}
