import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { fetchMessages } from './channels-api.ts';
import { MessageLogTable } from './message-log-table.tsx';

/** A customer's latest messages on the 360, with their delivery status. */
export function MessageHistoryCard({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const messages = useRequest(`customer-messages|${customerId}`, () => fetchMessages(client, { customerId, limit: 20 }));
  return (
    <Card size="small" title={t('messages.customerTitle')} data-testid="customer-messages">
      {messages.error ? <ErrorAlert error={messages.error} onRetry={messages.reload} /> : null}
      <MessageLogTable messages={messages.data?.messages ?? []} loading={messages.loading} compact />
    </Card>
  );
}
