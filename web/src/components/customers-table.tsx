import { Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerRow } from '../api/payloads.ts';
import { formatDate, formatDateTime } from '../format/dates.ts';
import { formatMoney } from '../format/money.ts';
import { formatCount } from '../format/numbers.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';
import { customerPath } from '../routing/routes.ts';
import { AppLink } from './app-link.tsx';

/** The customer list: each name links to the customer 360 (a real link, so the keyboard and new tabs work). */
export function CustomersTable(props: { customers: CustomerRow[]; currency: string; loading: boolean; empty: ReactNode }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const muted = (text: string | null) => (text ? text : <Typography.Text type="secondary">{t('customer.profile.none')}</Typography.Text>);

  const columns: ColumnsType<CustomerRow> = [
    {
      key: 'name',
      title: t('customers.columns.name'),
      render: (_, c) => <AppLink href={customerPath(c.id)}>{c.name ?? t('customers.unnamed')}</AppLink>,
      width: 150,
    },
    { key: 'phone', title: t('customers.columns.phone'), render: (_, c) => muted(c.phone), width: 150 },
    { key: 'email', title: t('customers.columns.email'), render: (_, c) => muted(c.email), width: 250, ellipsis: true },
    { key: 'city', title: t('customers.columns.city'), render: (_, c) => muted(c.city), width: 100 },
    {
      key: 'tags',
      title: t('customers.columns.tags'),
      render: (_, c) =>
        c.tags.length === 0 ? null : (
          <span className="patron-tag-cell">
            {c.tags.map((name) => (
              <Tag key={name} color="blue" bordered={false}>
                {name}
              </Tag>
            ))}
          </span>
        ),
    },
    { key: 'orders', title: t('customers.columns.orders'), align: 'right', width: 90, render: (_, c) => formatCount(c.orderCount, locale) },
    { key: 'total', title: t('customers.columns.total'), align: 'right', width: 130, render: (_, c) => formatMoney(c.totalMinor, props.currency, locale) },
    {
      key: 'lastOrder',
      title: t('customers.columns.lastOrder'),
      width: 130,
      render: (_, c) => (c.lastOrderAt ? <time dateTime={c.lastOrderAt} title={formatDateTime(c.lastOrderAt, locale)}>{formatDate(c.lastOrderAt, locale)}</time> : muted(null)),
    },
  ];

  return (
    <Table<CustomerRow>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={props.customers}
      loading={props.loading}
      pagination={false}
      locale={{ emptyText: props.empty }}
      scroll={{ x: 1100 }}
    />
  );
}
