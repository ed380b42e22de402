import { Button, Card, Form, InputNumber, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { CursorPager } from '../../components/cursor-pager.tsx';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from '../../components/cursor-stack.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { channelKinds, fetchMessages, messageStatuses, type MessageFilters } from './channels-api.ts';
import { MessageLogTable } from './message-log-table.tsx';

/** The message log: every message with its delivery status and reason, filtered by channel, status and customer. */
export function MessageLogPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const [filters, setFilters] = useState<MessageFilters>({});
  const [pages, setPages] = useState(firstPage);
  const [pageSize, setPageSize] = useState(50);
  const cursor = currentCursor(pages);
  const log = useRequest(`${filters.channel ?? ''}|${filters.status ?? ''}|${filters.customerId ?? ''}|${pageSize}|${cursor ?? ''}`, () =>
    fetchMessages(client, { ...filters, limit: pageSize, before: cursor === undefined ? undefined : Number(cursor) }),
  );

  const apply = (values: MessageFilters) => {
    setFilters({ channel: values.channel || undefined, status: values.status || undefined, customerId: values.customerId || undefined });
    setPages(firstPage);
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('messages.title')}
        </Typography.Title>
        <Button onClick={log.reload}>{t('messages.refresh')}</Button>
      </Space>
      <Typography.Paragraph type="secondary">{t('messages.intro')}</Typography.Paragraph>
      <Card>
        <Form layout="inline" className="patron-filters" onFinish={apply}>
          <Form.Item label={t('messages.channel')} name="channel" htmlFor="filter-channel">
            <Select id="filter-channel" allowClear style={{ width: 160 }} placeholder={t('messages.anyChannel')} options={channelKinds.map((c) => ({ value: c, label: t(`channels.kinds.${c}`) }))} />
          </Form.Item>
          <Form.Item label={t('messages.status')} name="status" htmlFor="filter-status">
            <Select id="filter-status" allowClear style={{ width: 160 }} placeholder={t('messages.anyStatus')} options={messageStatuses.map((s) => ({ value: s, label: t(`messages.statuses.${s}`) }))} />
          </Form.Item>
          <Form.Item label={t('messages.customerId')} name="customerId" htmlFor="filter-customer">
            <InputNumber id="filter-customer" min={1} style={{ width: 140 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('messages.filter')}
          </Button>
        </Form>
      </Card>
      {log.error ? <ErrorAlert error={log.error} onRetry={log.reload} /> : null}
      <MessageLogTable messages={log.data?.messages ?? []} loading={log.loading} />
      <CursorPager
        page={pageNumber(pages)}
        hasNext={log.data?.next != null}
        pageSize={pageSize}
        loading={log.loading}
        onPrevious={() => setPages(previousPage(pages))}
        onNext={() => setPages(nextPage(pages, log.data?.next == null ? null : String(log.data.next)))}
        onPageSize={(size) => {
          setPageSize(size);
          setPages(firstPage);
        }}
      />
    </Space>
  );
}
