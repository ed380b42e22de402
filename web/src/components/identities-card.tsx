import { Card, List, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../api/payloads.ts';
import { formatDate } from '../format/dates.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';

/** The identifiers that resolve to this customer (email, phone, WeChat ids, external and anonymous ids). */
export function IdentitiesCard({ identities }: { identities: CustomerDetail['identities'] }) {
  const { t, i18n } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const typeLabel = (type: string) => (i18n.exists(`customer.identityType.${type}`) ? t(`customer.identityType.${type}`) : type);
  return (
    <Card title={t('customer.identities.title')} size="small">
      <List
        size="small"
        dataSource={identities}
        locale={{ emptyText: <Typography.Text type="secondary">{t('customer.identities.empty')}</Typography.Text> }}
        renderItem={(identity) => (
          <List.Item>
            <List.Item.Meta
              avatar={<Tag bordered={false}>{typeLabel(identity.type)}</Tag>}
              title={
                <Typography.Text copyable className="patron-identity-value">
                  {identity.value}
                </Typography.Text>
              }
              description={t('customer.identities.firstSeen', { date: formatDate(identity.firstSeenAt, locale) })}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}
