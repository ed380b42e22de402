import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Permission } from '../../../../src/access/index.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { describeError } from '../../api/describe-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { createKey, fetchApiKeys, revokeKey, type ApiKeyRow } from '../../auth/session-api.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from './format-date-time.ts';

type Values = { name: string; kind: 'write' | 'secret'; scopes?: Permission[] };

/** API keys: create (the key is shown once), see when each was last used, revoke. */
export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const keys = useRequest('keys', () => fetchApiKeys(client));
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<string>();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form);

  const submit = async (values: Values) => {
    try {
      const created = await createKey(client, { name: values.name, kind: values.kind, scopes: values.kind === 'secret' && values.scopes?.length ? values.scopes : undefined });
      setCreating(false);
      form.resetFields();
      setShown(created.key);
      keys.reload();
    } catch (error) {
      const d = describeError(error, t);
      form.setFields([{ name: 'name', errors: [d.detail ?? d.title] }]);
    }
  };
  const revoke = async (key: ApiKeyRow) => {
    try {
      await revokeKey(client, key.id);
      message.success(t('keys.revokedMessage', { name: key.name }));
      keys.reload();
    } catch (error) {
      message.error(describeError(error, t).title);
    }
  };
  const date = (at: string | null) => (at ? formatDateTime(at, i18n.language) : '—');

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('keys.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('keys.create')}
        </Button>
      </Space>
      <Typography.Paragraph type="secondary">{t('keys.intro')}</Typography.Paragraph>
      {keys.error ? <ErrorAlert error={keys.error} onRetry={keys.reload} /> : null}
      <Table<ApiKeyRow>
        rowKey="id"
        loading={keys.loading}
        dataSource={keys.data?.keys ?? []}
        pagination={false}
        columns={[
          { title: t('keys.name'), dataIndex: 'name' },
          { title: t('keys.kind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'secret' ? 'volcano' : 'blue'}>{t(`keys.kinds.${k}`)}</Tag> },
          { title: t('keys.prefix'), dataIndex: 'prefix', render: (p: string) => <code className="patron-code">{p}…</code> },
          {
            title: t('keys.scopes'),
            dataIndex: 'scopes',
            render: (scopes: string[], key) => (key.kind === 'write' ? t('keys.trackingOnly') : scopes.length >= (keys.data?.permissions.length ?? 0) - 1 ? t('keys.allScopes') : scopes.join(', ')),
          },
          { title: t('keys.lastUsed'), dataIndex: 'lastUsedAt', render: date },
          {
            title: t('keys.status'),
            key: 'status',
            render: (_: unknown, key) =>
              key.revokedAt ? (
                <Tag>{t('keys.revokedAt', { at: date(key.revokedAt) })}</Tag>
              ) : (
                <Popconfirm title={t('keys.revokeConfirm', { name: key.name })} okText={t('keys.revoke')} okButtonProps={{ danger: true }} onConfirm={() => revoke(key)}>
                  <Button danger size="small">
                    {t('keys.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal title={t('keys.create')} open={creating} onCancel={() => setCreating(false)} onOk={() => form.submit()} okText={t('keys.createButton')} destroyOnHidden>
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} initialValues={{ kind: 'secret' }}>
          <Form.Item label={t('keys.name')} name="name" rules={[{ required: true, whitespace: true, message: t('setup.required') }]}>
            <Input placeholder={t('keys.namePlaceholder')} />
          </Form.Item>
          <Form.Item label={t('keys.kind')} name="kind">
            <Radio.Group options={[{ value: 'secret', label: t('keys.kinds.secret') }, { value: 'write', label: t('keys.kinds.write') }]} />
          </Form.Item>
          {kind === 'secret' ? (
            <Form.Item label={t('keys.scopes')} name="scopes" extra={t('keys.scopesHelp')}>
              <Select mode="multiple" allowClear options={(keys.data?.permissions ?? []).map((p) => ({ value: p, label: p }))} />
            </Form.Item>
          ) : null}
        </Form>
      </Modal>
      <Modal title={t('keys.shownTitle')} open={shown !== undefined} onCancel={() => setShown(undefined)} footer={<Button onClick={() => setShown(undefined)}>{t('keys.done')}</Button>}>
        <Alert type="warning" showIcon message={t('keys.shownOnce')} style={{ marginBottom: 16 }} />
        <Typography.Paragraph copyable={{ text: shown }}>
          <code className="patron-code" data-testid="new-api-key">
            {shown}
          </code>
        </Typography.Paragraph>
      </Modal>
    </Space>
  );
}
