import { Card, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useTranslation } from 'react-i18next';
import type { CustomerOrder } from '../api/payloads.ts';
import { formatDateTime } from '../format/dates.ts';
import { formatMoney } from '../format/money.ts';
import { formatCount } from '../format/numbers.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';
import { CodeText } from './code-text.tsx';

const statusColors: Readonly<Record<string, string>> = { completed: 'green', partially_refunded: 'orange', refunded: 'red', cancelled: 'default' };

/** The customer's latest orders, newest first. */
export function RecentOrdersCard({ orders }: { orders: CustomerOrder[] }) {
  const { t, i18n } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const none = <Typography.Text type="secondary">{t('customer.profile.none')}</Typography.Text>;
  const columns: ColumnsType<CustomerOrder> = [
    { key: 'number', title: t('customer.orders.number'), render: (_, o) => <Typography.Text className="patron-mono">{o.externalId}</Typography.Text> },
    { key: 'date', title: t('customer.orders.date'), render: (_, o) => <time dateTime={o.orderedAt}>{formatDateTime(o.orderedAt, locale)}</time> },
    { key: 'channel', title: t('customer.orders.channel'), render: (_, o) => o.channel ?? none },
    { key: 'store', title: t('customer.orders.store'), render: (_, o) => o.store ?? none },
    {
      key: 'status',
      title: t('customer.orders.status'),
      render: (_, o) => (
        <Tag color={statusColors[o.status] ?? 'default'} bordered={false}>
          {i18n.exists(`customer.orderStatus.${o.status}`) ? t(`customer.orderStatus.${o.status}`) : o.status}
        </Tag>
      ),
    },
    { key: 'items', title: t('customer.orders.items'), align: 'right', render: (_, o) => formatCount(o.itemCount, locale) },
    { key: 'total', title: t('customer.orders.total'), align: 'right', render: (_, o) => formatMoney(o.totalMinor, o.currency, locale) },
    { key: 'refunded', title: t('customer.orders.refunded'), align: 'right', render: (_, o) => (o.refundedMinor > 0 ? formatMoney(o.refundedMinor, o.currency, locale) : none) },
  ];
  return (
    <Card title={t('customer.orders.title')} size="small" styles={{ body: { padding: 0 } }}>
      <Table<CustomerOrder>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={orders}
        pagination={false}
        scroll={{ x: 720 }}
        locale={{ emptyText: <Typography.Text type="secondary"><CodeText i18nKey="customer.orders.empty" /></Typography.Text> }}
      />
    </Card>
  );
}
