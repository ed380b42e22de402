import { App, Button, Card, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { undoMerge } from '../api/customers-api.ts';
import type { CustomerMerge } from '../api/payloads.ts';
import { formatDateTime } from '../format/dates.ts';
import { intlLocaleOf } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';
import { customerPath } from '../routing/routes.ts';
import { AppLink } from './app-link.tsx';
import { ErrorAlert } from './error-alert.tsx';

/** The merges that shaped this profile, each with "undo merge" behind a confirmation (a wrong merge is split back out). */
export function MergesCard({ customerId, merges, onChanged }: { customerId: number; merges: CustomerMerge[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const locale = intlLocaleOf(useLanguage());
  const client = useApiClient();
  const { modal, message } = App.useApp();
  const [failure, setFailure] = useState<{ mergeId: number; error: unknown }>();

  const confirmUndo = (merge: CustomerMerge) => {
    void modal.confirm({
      title: t('customer.merges.confirmTitle'),
      content: t('customer.merges.confirmBody', { merged: merge.mergedId }),
      okText: t('customer.merges.confirmOk'),
      cancelText: t('customer.merges.confirmCancel'),
      okButtonProps: { danger: true },
      // Keep the safe choice under the keyboard: Enter on the dialog keeps the merge.
      autoFocusButton: 'cancel',
      onOk: async () => {
        setFailure(undefined);
        try {
          const result = await undoMerge(client, merge.id);
          void message.success(t('customer.merges.done', { restored: result.restoredId }));
          onChanged();
        } catch (error) {
          setFailure({ mergeId: merge.id, error });
        }
      },
    });
  };

  return (
    <Card title={t('customer.merges.title')} size="small">
      <List
        size="small"
        dataSource={merges}
        locale={{ emptyText: <Typography.Text type="secondary">{t('customer.merges.empty')}</Typography.Text> }}
        renderItem={(merge) => {
          const mergedIn = merge.mergedId !== customerId;
          const other = mergedIn ? merge.mergedId : merge.survivorId;
          return (
            <List.Item>
              <Space direction="vertical" size={4} style={{ width: '100%' }}>
                <Typography.Text strong>
                  {mergedIn ? t('customer.merges.mergedIn', { merged: merge.mergedId }) : t('customer.merges.mergedInto', { survivor: merge.survivorId })}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('customer.merges.when', { date: formatDateTime(merge.mergedAt, locale) })} · {t('customer.merges.reason', { reason: merge.reason })}
                </Typography.Text>
                {merge.undoneAt === null ? (
                  <Button danger size="small" onClick={() => confirmUndo(merge)}>
                    {t('customer.merges.undo')}
                  </Button>
                ) : (
                  <Space size="middle" wrap>
                    <Tag bordered={false}>{t('customer.merges.undone', { date: formatDateTime(merge.undoneAt, locale) })}</Tag>
                    <AppLink href={customerPath(other)}>{t('customer.merges.open', { id: other })}</AppLink>
                  </Space>
                )}
                {failure?.mergeId === merge.id ? <ErrorAlert error={failure.error} title={t('customer.merges.failed')} /> : null}
              </Space>
            </List.Item>
          );
        }}
      />
    </Card>
  );
}
