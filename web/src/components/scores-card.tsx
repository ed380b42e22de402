import { Card, Descriptions, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/api-error.ts';
import { useApiClient } from '../api/api-context.tsx';
import { fetchCustomerScores } from '../api/customer-scores-api.ts';
import { useRequest } from '../api/use-request.ts';
import { useLanguage } from '../i18n/use-language.ts';
import { CodeText } from './code-text.tsx';
import { ErrorAlert } from './error-alert.tsx';

/** The customer's scores from the latest analytics run, each with the sentence that explains it (why "At Risk"). */
export function ScoresCard({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const client = useApiClient();
  const scores = useRequest(`scores:${customerId}`, () => fetchCustomerScores(client, customerId));
  const words = (w: { en: string; zh: string }) => (language === 'en' ? w.en : w.zh);
  const unscored = scores.error instanceof ApiError && scores.error.code === 'not_found';

  return (
    <Card title={t('customer.scores.title')} size="small" data-testid="customer-scores" loading={!scores.data && !scores.error}>
      {unscored ? (
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          <CodeText i18nKey="customer.scores.none" />
        </Typography.Paragraph>
      ) : null}
      {scores.error && !unscored ? <ErrorAlert error={scores.error} title={t('customer.scores.failed')} onRetry={scores.reload} /> : null}
      {scores.data ? (
        <Descriptions
          size="small"
          column={1}
          items={[
            { key: 'rfm', label: t('customer.scores.rfm'), children: words(scores.data.explanations.rfm) },
            { key: 'lifecycle', label: t('customer.scores.lifecycle'), children: words(scores.data.explanations.lifecycle) },
            { key: 'tier', label: t('customer.scores.valueTier'), children: words(scores.data.explanations.valueTier) },
            { key: 'clv', label: t('customer.scores.clv'), children: words(scores.data.explanations.clv) },
          ]}
        />
      ) : null}
      {scores.data ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('customer.scores.asOf', { date: scores.data.asOf, run: scores.data.runId })}
        </Typography.Text>
      ) : null}
    </Card>
  );
}
