import { Card, Col, Descriptions, Row, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../api/payloads.ts';
import { formatDate } from '../format/dates.ts';
import { formatMoney } from '../format/money.ts';
import { formatCount } from '../format/numbers.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';

/** Lifetime order figures, from customer_stats (kept current on every order and refund). */
export function OrderSummaryCard({ summary }: { summary: CustomerDetail['orderSummary'] }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const money = (minor: number) => formatMoney(minor, summary.currency, locale);
  const none = <Typography.Text type="secondary">{t('customer.profile.none')}</Typography.Text>;
  return (
    <Card title={t('customer.summary.title')} size="small">
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Statistic title={t('customer.summary.total')} value={money(summary.totalMinor)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('customer.summary.orders')} value={formatCount(summary.orderCount, locale)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('customer.summary.average')} value={money(summary.averageOrderMinor)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('customer.summary.refunded')} value={money(summary.refundedMinor)} />
        </Col>
      </Row>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        style={{ marginTop: 16 }}
        items={[
          { key: 'first', label: t('customer.summary.firstOrder'), children: summary.firstOrderAt ? formatDate(summary.firstOrderAt, locale) : none },
          { key: 'last', label: t('customer.summary.lastOrder'), children: summary.lastOrderAt ? formatDate(summary.lastOrderAt, locale) : none },
          { key: 'channel', label: t('customer.summary.lastChannel'), children: summary.lastOrderChannel ?? none },
          { key: 'days', label: t('customer.summary.orderDays'), children: formatCount(summary.orderDays, locale) },
        ]}
      />
    </Card>
  );
}
