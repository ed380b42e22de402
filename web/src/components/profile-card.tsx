import { Card, Descriptions, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../api/payloads.ts';
import { formatCalendarDate, formatDateTime } from '../format/dates.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';

const attributeText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The profile fields of a customer 360; unknown values show as a dash, custom attributes as key: value. */
export function ProfileCard({ profile }: { profile: CustomerDetail['profile'] }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const none = <Typography.Text type="secondary">{t('customer.profile.none')}</Typography.Text>;
  const or = (text: string | null | undefined) => (text ? text : none);
  const location = [profile.city, profile.province, profile.country].filter(Boolean).join(locale.startsWith('zh') ? '，' : ', ');
  const attributes = Object.entries(profile.attributes ?? {});

  return (
    <Card title={t('customer.profile.title')} size="small">
      <Descriptions
        column={1}
        size="small"
        labelStyle={{ width: 120 }}
        items={[
          { key: 'gender', label: t('customer.profile.gender'), children: profile.gender ? t(`customer.gender.${profile.gender}`) : none },
          { key: 'birthday', label: t('customer.profile.birthday'), children: or(formatCalendarDate(profile.birthday, locale)) },
          { key: 'location', label: t('customer.profile.location'), children: or(location) },
          { key: 'timezone', label: t('customer.profile.timezone'), children: or(profile.timezone) },
          { key: 'acquisition', label: t('customer.profile.acquisitionChannel'), children: or(profile.acquisitionChannel) },
          { key: 'signedUp', label: t('customer.profile.signedUpAt'), children: or(formatDateTime(profile.signedUpAt, locale)) },
          { key: 'created', label: t('customer.profile.createdAt'), children: formatDateTime(profile.createdAt, locale) },
          { key: 'updated', label: t('customer.profile.updatedAt'), children: formatDateTime(profile.updatedAt, locale) },
          ...(attributes.length > 0
            ? [
                {
                  key: 'attributes',
                  label: t('customer.profile.attributes'),
                  children: (
                    <dl className="patron-attributes">
                      {attributes.map(([name, value]) => (
                        <div key={name}>
                          <dt>{name}</dt>
                          <dd>{attributeText(value)}</dd>
                        </div>
                      ))}
                    </dl>
                  ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}
