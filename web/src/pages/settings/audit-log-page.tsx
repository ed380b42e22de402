import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { fetchAudit, type AuditFilters, type AuditRow } from '../../auth/session-api.ts';
import { CursorPager } from '../../components/cursor-pager.tsx';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from '../../components/cursor-stack.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from './format-date-time.ts';

const actorTypes = ['user', 'api_key', 'cli', 'system'] as const;

function exportHref(format: 'csv' | 'jsonl', filters: AuditFilters): string {
  const params = new URLSearchParams({ format });
  if (filters.action) params.set('action', filters.action);
  if (filters.actorType) params.set('actorType', filters.actorType);
  return `/api/audit/export?${params.toString()}`;
}

/** The audit log: who changed what and when, newest first, filtered by action and actor, exported as CSV or JSON Lines. */
export function AuditLogPage() {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [pages, setPages] = useState(firstPage);
  const [pageSize, setPageSize] = useState(50);
  const cursor = currentCursor(pages);
  const log = useRequest(`${filters.action ?? ''}|${filters.actorType ?? ''}|${pageSize}|${cursor ?? ''}`, () => fetchAudit(client, { ...filters, cursor, limit: pageSize }));

  const apply = (values: { action?: string; actorType?: string }) => {
    setFilters({ action: values.action?.trim() || undefined, actorType: values.actorType || undefined });
    setPages(firstPage);
  };
  const actor = (row: AuditRow) => `${t(`audit.actors.${row.actorType}`)}${row.actorId === null ? '' : ` #${row.actorId}`}`;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('audit.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('audit.intro')}</Typography.Paragraph>
      <Card>
        <Form layout="inline" className="patron-filters" onFinish={apply}>
          <Form.Item label={t('audit.action')} name="action">
            <Input allowClear placeholder="PUT /api/workspace" style={{ width: 260 }} />
          </Form.Item>
          <Form.Item label={t('audit.actor')} name="actorType">
            <Select allowClear style={{ width: 160 }} placeholder={t('audit.anyActor')} options={actorTypes.map((a) => ({ value: a, label: t(`audit.actors.${a}`) }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('audit.filter')}
          </Button>
          <Button icon={<DownloadOutlined />} href={exportHref('csv', filters)} style={{ marginInlineStart: 8 }}>
            {t('audit.exportCsv')}
          </Button>
          <Button icon={<DownloadOutlined />} href={exportHref('jsonl', filters)} style={{ marginInlineStart: 8 }}>
            {t('audit.exportJsonl')}
          </Button>
        </Form>
      </Card>
      {log.error ? <ErrorAlert error={log.error} onRetry={log.reload} /> : null}
      <Table<AuditRow>
        rowKey="id"
        loading={log.loading}
        dataSource={log.data?.entries ?? []}
        pagination={false}
        expandable={{
          rowExpandable: (row) => row.before !== null || row.after !== null || Object.keys(row.details).length > 0,
          expandedRowRender: (row) => (
            <pre style={{ margin: 0, whiteSpace: "pre-wrap" }}>{JSON.stringify({ before: row.before, after: row.after, details: row.details }, null, 2)}</pre>
          ),
        }}
        columns={[
          { title: t('audit.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at, i18n.language) },
          { title: t('audit.actor'), key: 'actor', render: (_: unknown, row) => actor(row) },
          { title: t('audit.action'), dataIndex: 'action', render: (a: string) => <code className="patron-code">{a}</code> },
          { title: t('audit.target'), key: 'target', render: (_: unknown, row) => (row.targetType ? `${row.targetType} ${row.targetId ?? ''}` : '') },
          {
            title: t('audit.outcome'),
            dataIndex: 'outcome',
            render: (o: number | null) => (o === null ? '' : <Tag color={o < 300 ? 'green' : o < 500 ? 'orange' : 'red'}>{o}</Tag>),
          },
        ]}
      />
      <CursorPager
        page={pageNumber(pages)}
        hasNext={Boolean(log.data?.nextCursor)}
        pageSize={pageSize}
        loading={log.loading}
        onPrevious={() => setPages(previousPage(pages))}
        onNext={() => setPages(nextPage(pages, log.data?.nextCursor ?? null))}
        onPageSize={(size) => {
          setPageSize(size);
          setPages(firstPage);
        }}
      />
    </Space>
  );
}
