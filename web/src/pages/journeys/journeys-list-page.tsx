import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ListPage } from '../../components/list-page.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { journeyPath, newJourneyPath } from '../../routing/routes.ts';
import { fetchJourneys, type JourneyState, type JourneySummary } from './journeys-api.ts';
import { triggerText } from './step-text.ts';
import './journeys.css';

/** The tag colour of each journey state. */
export const stateColors: Readonly<Record<JourneyState, string>> = { draft: 'default', live: 'green', paused: 'orange', archived: 'default' };

/** Journeys with their state, trigger and how many customers entered, are in flight, finished and converted. */
export function JourneysListPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const list = useRequest('journeys', () => fetchJourneys(client));
  const segments = useRequest('segments', () => fetchSegments(client));
  const segmentName = (id: number) => segments.data?.find((s) => s.id === id)?.name ?? `#${id}`;
  const count = (key: 'entered' | 'inFlight' | 'completed' | 'converted' | 'failed', title: string) => ({
    key,
    title,
    align: 'right' as const,
    width: 110,
    render: (_: unknown, j: JourneySummary) => <span data-testid={`journey-${key}-${j.id}`}>{formatCount(j[key], locale)}</span>,
  });
  return (
    <ListPage<JourneySummary>
      texts={{ title: t('journeys.title'), intro: t('journeys.intro'), create: t('journeys.new'), emptyTitle: t('journeys.emptyTitle'), emptyBody: t('journeys.emptyBody') }}
      createPath={newJourneyPath}
      list={list}
      testId="journeys-table"
      columns={[
        { key: 'name', title: t('journeys.columns.journey'), render: (_, j) => <AppLink href={journeyPath(j.id)}>{j.name}</AppLink> },
        {
          key: 'state',
          title: t('journeys.columns.state'),
          width: 100,
          render: (_, j) => (
            <Tag color={stateColors[j.state]} data-testid={`journey-state-${j.id}`}>
              {t(`journeys.states.${j.state}`)}
            </Tag>
          ),
        },
        { key: 'trigger', title: t('journeys.columns.trigger'), render: (_, j) => triggerText(j.trigger, t, segmentName) },
        count('entered', t('journeys.columns.entered')),
        count('inFlight', t('journeys.columns.inFlight')),
        count('completed', t('journeys.columns.completed')),
        count('converted', t('journeys.columns.converted')),
        { key: 'version', title: t('journeys.columns.version'), width: 80, align: 'right', render: (_, j) => `v${j.version}` },
        { key: 'updated', title: t('journeys.columns.updated'), width: 180, render: (_, j) => formatDateTime(j.updatedAt, locale) },
      ]}
    />
  );
}
