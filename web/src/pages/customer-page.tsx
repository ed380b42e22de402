import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, Col, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { fetchCustomer } from '../api/customers-api.ts';
import { useRequest } from '../api/use-request.ts';
import { AppLink } from '../components/app-link.tsx';
import { ConsentCard } from '../components/consent-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { EventsTimeline } from '../components/events-timeline.tsx';
import { IdentitiesCard } from '../components/identities-card.tsx';
import { MergesCard } from '../components/merges-card.tsx';
import { OrderSummaryCard } from '../components/order-summary-card.tsx';
import { ProfileCard } from '../components/profile-card.tsx';
import { RecentOrdersCard } from '../components/recent-orders-card.tsx';
import { ScoresCard } from '../components/scores-card.tsx';
import { TagEditor } from '../components/tag-editor.tsx';
import { LoyaltyCard } from './loyalty/loyalty-card.tsx';
import { MembershipsCard } from './segments/memberships-card.tsx';
import { MessageHistoryCard } from './settings/message-history-card.tsx';

/** The customer 360: profile, identities and tags beside the order summary, recent orders, activity and merges. */
export function CustomerPage({ id, backTo }: { id: number; backTo: string }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const detail = useRequest(String(id), () => fetchCustomer(client, id));
  const customer = detail.data;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <AppLink href={backTo}>
        <ArrowLeftOutlined aria-hidden="true" /> {t('customer.back')}
      </AppLink>
      {detail.error && !customer ? <ErrorAlert error={detail.error} title={t('customer.loadFailed')} onRetry={detail.reload} /> : null}
      {!customer && !detail.error ? <Skeleton active paragraph={{ rows: 8 }} /> : null}
      {customer ? (
        <>
          <div className="patron-page-title">
            <Typography.Title level={2} style={{ margin: 0 }}>
              {customer.profile.name ?? t('customers.unnamed')}
            </Typography.Title>
            <Tag bordered={false}>{t('customer.id', { id: customer.id })}</Tag>
          </div>
          {customer.redirectedFrom !== null ? <Alert type="info" showIcon message={t('customer.redirected', { from: customer.redirectedFrom })} /> : null}
          {detail.error ? <ErrorAlert error={detail.error} onRetry={detail.reload} /> : null}
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={9} xxl={8}>
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <ProfileCard profile={customer.profile} />
                <TagEditor customerId={customer.id} tags={customer.tags} onChanged={detail.reload} />
                <IdentitiesCard identities={customer.identities} />
                <ConsentCard consents={customer.consents} />
                <MergesCard customerId={customer.id} merges={customer.merges} onChanged={detail.reload} />
              </Space>
            </Col>
            <Col xs={24} lg={15} xxl={16}>
              <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                <ScoresCard customerId={customer.id} />
                <MembershipsCard customerId={customer.id} />
                <LoyaltyCard customerId={customer.id} />
                <OrderSummaryCard summary={customer.orderSummary} />
                <RecentOrdersCard orders={customer.recentOrders} />
                <EventsTimeline events={customer.recentEvents} />
                <MessageHistoryCard customerId={customer.id} />
              </Space>
            </Col>
          </Row>
        </>
      ) : null}
    </Space>
  );
}
