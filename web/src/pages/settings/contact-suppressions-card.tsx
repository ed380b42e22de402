import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Popconfirm, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { describeError } from '../../api/describe-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { addSuppression, channelKinds, fetchSuppressions, removeSuppression, type ChannelKind, type Suppression } from './channels-api.ts';
import { formatDateTime } from './format-date-time.ts';

/** The suppression list: addresses never messaged on their channel (hard bounces, complaints, or added by hand). */
export function ContactSuppressionsCard() {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const [channel, setChannel] = useState<ChannelKind>();
  const list = useRequest(`suppressions|${channel ?? ''}`, () => fetchSuppressions(client, { channel }));
  const [form] = Form.useForm<{ channel: ChannelKind; address: string }>();
  const [adding, setAdding] = useState(false);

  const add = async (values: { channel: ChannelKind; address: string }) => {
    setAdding(true);
    try {
      await addSuppression(client, { channel: values.channel, address: values.address });
      form.resetFields(['address']);
      list.reload();
    } catch (error) {
      const d = describeError(error, t);
      form.setFields([{ name: 'address', errors: [d.detail ?? d.title] }]);
    } finally {
      setAdding(false);
    }
  };
  // Sources are written by the server: "message <id>" for a bounce or complaint, "api" for one added by hand.
  const sourceText = (source: string) => {
    const fromMessage = /^message (\d+)$/.exec(source);
    return fromMessage ? t('suppressions.fromMessage', { id: fromMessage[1] }) : source === 'api' ? t('suppressions.byHand') : source;
  };
  const remove = async (row: Suppression) => {
    try {
      await removeSuppression(client, row.channel, row.address);
      message.success(t('suppressions.removed', { address: row.address }));
      list.reload();
    } catch (error) {
      message.error(describeError(error, t).title);
    }
  };

  return (
    <Card title={t('suppressions.title')} data-testid="suppressions">
      <Typography.Paragraph type="secondary">{t('suppressions.help')}</Typography.Paragraph>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Form form={form} layout="inline" initialValues={{ channel: 'email' }} onFinish={(v) => void add(v)}>
          <Form.Item name="channel" label={t('messages.channel')} htmlFor="suppress-channel">
            <Select id="suppress-channel" style={{ width: 180 }} options={channelKinds.map((c) => ({ value: c, label: t(`channels.kinds.${c}`) }))} />
          </Form.Item>
          <Form.Item name="address" label={t('suppressions.address')} htmlFor="suppress-address" rules={[{ required: true, whitespace: true, message: t('suppressions.addressRequired') }]}>
            <Input id="suppress-address" style={{ width: 260 }} placeholder="someone@example.com" />
          </Form.Item>
          <Button htmlType="submit" icon={<PlusOutlined />} loading={adding}>
            {t('suppressions.add')}
          </Button>
        </Form>
        <Space>
          <label htmlFor="suppress-filter">{t('messages.channel')}</label>
          <Select<ChannelKind>
            id="suppress-filter"
            allowClear
            style={{ width: 180 }}
            placeholder={t('messages.anyChannel')}
            value={channel}
            onChange={(value) => setChannel(value)}
            options={channelKinds.map((c) => ({ value: c, label: t(`channels.kinds.${c}`) }))}
          />
        </Space>
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
        <Table<Suppression>
          rowKey={(row) => `${row.channel}:${row.address}`}
          size="small"
          loading={list.loading}
          dataSource={list.data ?? []}
          pagination={false}
          locale={{ emptyText: t('suppressions.empty') }}
          columns={[
            { title: t('messages.channel'), dataIndex: 'channel', render: (c: ChannelKind) => t(`channels.kinds.${c}`) },
            { title: t('suppressions.address'), dataIndex: 'address', render: (a: string) => <code className="patron-code">{a}</code> },
            { title: t('messages.reason'), dataIndex: 'reason', render: (r: string) => t(`suppressions.reasons.${r}`, { defaultValue: r }) },
            { title: t('suppressions.source'), dataIndex: 'source', render: (source: string) => sourceText(source) },
            { title: t('suppressions.since'), dataIndex: 'createdAt', render: (at: string) => formatDateTime(at, i18n.language) },
            {
              title: t('suppressions.actions'),
              key: 'remove',
              render: (_: unknown, row) => (
                <Popconfirm title={t('suppressions.removeConfirm', { address: row.address })} okText={t('suppressions.remove')} onConfirm={() => remove(row)}>
                  <Button size="small" aria-label={t('suppressions.removeLabel', { address: row.address })}>
                    {t('suppressions.remove')}
                  </Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      </Space>
    </Card>
  );
}
