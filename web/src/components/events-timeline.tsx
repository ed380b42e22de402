import { Card, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerEvent } from '../api/payloads.ts';
import { formatDateTime } from '../format/dates.ts';
import { propertySummary } from '../format/event-properties.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';
import { CodeText } from './code-text.tsx';

const colors: Readonly<Record<string, string>> = { track: 'blue', page: 'gray', screen: 'gray', identify: 'green', alias: 'green', group: 'purple' };

/** The customer's latest events, newest first. */
export function EventsTimeline({ events }: { events: CustomerEvent[] }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  return (
    <Card title={t('customer.events.title')} size="small">
      {events.length === 0 ? (
        <Typography.Text type="secondary">
          <CodeText i18nKey="customer.events.empty" />
        </Typography.Text>
      ) : (
        <Timeline
          style={{ marginTop: 8 }}
          items={events.map((event) => {
            const summary = propertySummary(event.properties);
            return {
              key: event.id,
              color: colors[event.type] ?? 'blue',
              children: (
                <div>
                  <Typography.Text strong>{t(`customer.events.${event.type}`, { name: event.name ?? t('customer.events.unnamed') })}</Typography.Text>
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      <time dateTime={event.occurredAt}>{formatDateTime(event.occurredAt, locale)}</time>
                    </Typography.Text>
                  </div>
                  {summary ? <div className="patron-event-props">{summary}</div> : null}
                </div>
              ),
            };
          })}
        />
      )}
    </Card>
  );
}
