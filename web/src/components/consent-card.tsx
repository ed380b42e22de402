import { Card, List, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../api/payloads.ts';
import { formatDate } from '../format/dates.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';

/** The customer's current consent per channel and purpose, with where and when it was given (no row: no consent). */
export function ConsentCard({ consents }: { consents: CustomerDetail['consents'] }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  return (
    <Card title={t('customer.consent.title')} size="small">
      <List
        size="small"
        dataSource={consents}
        locale={{ emptyText: <Typography.Text type="secondary">{t('customer.consent.empty')}</Typography.Text> }}
        renderItem={(consent) => (
          <List.Item className="patron-consent">
            <List.Item.Meta
              avatar={<Tag bordered={false}>{t(`customer.consent.channel.${consent.channel}`)}</Tag>}
              title={
                <>
                  <Tag color={consent.status === 'opted_in' ? 'green' : 'red'}>{t(`customer.consent.status.${consent.status}`)}</Tag>
                  <Typography.Text type="secondary">{t(`customer.consent.purpose.${consent.purpose}`)}</Typography.Text>
                </>
              }
              description={t('customer.consent.recorded', { source: consent.source, date: formatDate(consent.recordedAt, locale) })}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}
