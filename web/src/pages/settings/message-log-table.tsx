import { Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { AppLink } from '../../components/app-link.tsx';
import { customerPath } from '../../routing/routes.ts';
import type { MessageLogEntry } from './channels-api.ts';
import { formatDateTime } from './format-date-time.ts';
import { MessageStatusTag } from './message-status-tag.tsx';

/** Messages with their delivery status, the reason a message failed or was held back, and when it was reported. */
export function MessageLogTable({ messages, loading, compact = false }: { messages: readonly MessageLogEntry[]; loading: boolean; compact?: boolean }) {
  const { t, i18n } = useTranslation();
  const at = (iso: string | null) => (iso ? formatDateTime(iso, i18n.language) : '—');
  return (
    <Table<MessageLogEntry>
      rowKey="id"
      size={compact ? 'small' : 'middle'}
      loading={loading}
      dataSource={[...messages]}
      pagination={false}
      data-testid="message-log"
      locale={{ emptyText: t('messages.empty') }}
      columns={[
        { title: t('messages.createdAt'), dataIndex: 'createdAt', render: at },
        ...(compact ? [] : [{ title: t('messages.customer'), dataIndex: 'customerId', render: (id: number) => <AppLink href={customerPath(id)}>#{id}</AppLink> }]),
        { title: t('messages.channel'), dataIndex: 'channel', render: (c: string | null) => (c ? t(`channels.kinds.${c}`) : '—') },
        { title: t('messages.purpose'), dataIndex: 'purpose', render: (p: string) => t(`messages.purposes.${p}`) },
        ...(compact ? [] : [{ title: t('messages.source'), key: 'source', render: (_: unknown, m: MessageLogEntry) => `${t(`messages.sources.${m.source.kind}`)} #${m.source.id}` }]),
        { title: t('messages.status'), dataIndex: 'status', render: (_: unknown, m) => <MessageStatusTag status={m.status} /> },
        { title: t('messages.reason'), dataIndex: 'reason', render: (r: string | null) => (r ? <Typography.Text type="secondary">{r}</Typography.Text> : '—') },
        ...(compact ? [] : [{ title: t('messages.sentAt'), dataIndex: 'sentAt', render: at }]),
        { title: t('messages.reportedAt'), key: 'reported', render: (_: unknown, m) => at(m.reportedAt ?? m.deliveredAt) },
      ]}
    />
  );
}
