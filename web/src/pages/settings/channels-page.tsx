import { SendOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Switch, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/api-error.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchCustomers } from '../../api/customers-api.ts';
import { describeError } from '../../api/describe-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { channelKinds, fetchProviders, fetchReceiptEndpoints, saveProvider, sendTestMessage, type ChannelKind, type MessageLogEntry, type ProviderView } from './channels-api.ts';
import { providerDefaults, providerFields, providerInput } from './channels-fields.ts';
import { MessageStatusTag } from './message-status-tag.tsx';

/** Channels: each provider's settings and write-only credentials, its delivery-report address, and a test send. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const providers = useRequest('providers', () => fetchProviders(client));
  const endpoints = useRequest('receipt-endpoints', () => fetchReceiptEndpoints(client));
  const [testing, setTesting] = useState<ChannelKind>();

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('channels.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('channels.intro')}</Typography.Paragraph>
      {providers.error ? <ErrorAlert error={providers.error} onRetry={providers.reload} /> : null}
      {providers.data ? (
        <Tabs
          items={channelKinds.map((channel) => {
            const provider = providers.data?.find((p) => p.channel === channel);
            return {
              key: channel,
              label: (
                <Space size={6}>
                  <span>{t(`channels.kinds.${channel}`)}</span>
                  {provider ? <Tag color="green">{t('channels.configured')}</Tag> : <Tag>{t('channels.notConfigured')}</Tag>}
                </Space>
              ),
              children: (
                <ProviderCard channel={channel} provider={provider} receiptPath={endpoints.data?.[channel]} onSaved={providers.reload} onTest={() => setTesting(channel)} />
              ),
            };
          })}
        />
      ) : null}
      {testing ? <TestMessageModal channel={testing} onClose={() => setTesting(undefined)} /> : null}
    </Space>
  );
}

function ProviderCard(props: { channel: ChannelKind; provider: ProviderView | undefined; receiptPath: string | undefined; onSaved: () => void; onTest: () => void }) {
  const { channel, provider } = props;
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<Record<string, unknown>>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const title = t(`channels.kinds.${channel}`);

  const save = async (values: Record<string, unknown>) => {
    setSaving(true);
    setError(undefined);
    try {
      await saveProvider(client, channel, providerInput(channel, values));
      // Typed secrets are never shown again: clear them once saved.
      form.setFields(providerFields[channel].filter((f) => f.kind === 'secret').map((f) => ({ name: f.name, value: '' })));
      message.success(t('channels.saved', { channel: title }));
      props.onSaved();
    } catch (cause) {
      // The API names the field it refuses (details.path: ['config', 'host']): show the message on that field.
      const path = cause instanceof ApiError ? (cause.details as { path?: unknown[] } | undefined)?.path : undefined;
      const field = Array.isArray(path) && typeof path[1] === 'string' && providerFields[channel].some((f) => f.name === path[1]) ? path[1] : undefined;
      if (field) {
        const label = t(`channels.fields.${field}`);
        form.setFields([{ name: field, errors: [t('channels.invalidField', { field: label }), describeError(cause, t).detail ?? ''].filter(Boolean) }]);
      }
      else setError(cause);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title={title}
      extra={
        <Button icon={<SendOutlined />} disabled={!provider} onClick={props.onTest}>
          {t('channels.sendTest')}
        </Button>
      }
      data-testid={`channel-${channel}`}
    >
      <Typography.Paragraph type="secondary">{t(`channels.help.${channel}`)}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        requiredMark
        initialValues={{ ...providerDefaults[channel], ...(provider?.config ?? {}) }}
        onFinish={(values) => void save(values)}
        style={{ maxWidth: 720 }}
      >
        {providerFields[channel].map((field) => {
          const label = t(`channels.fields.${field.name}`);
          const id = `${channel}-${field.name}`;
          if (field.kind === 'switch') {
            return (
              <Form.Item key={field.name} name={field.name} label={label} valuePropName="checked" htmlFor={id}>
                <Switch id={id} />
              </Form.Item>
            );
          }
          if (field.kind === 'number') {
            return (
              <Form.Item key={field.name} name={field.name} label={label} htmlFor={id} rules={[{ required: field.required, message: t('channels.required', { field: label }) }]}>
                <InputNumber id={id} min={1} style={{ width: 200 }} />
              </Form.Item>
            );
          }
          if (field.kind === 'secret') {
            const isSet = provider?.secrets[field.name] === 'set';
            return (
              <Form.Item key={field.name} name={field.name} label={label} htmlFor={id} extra={isSet ? t('channels.secretSet') : t('channels.secretNotSet')}>
                <Input.Password id={id} autoComplete="new-password" placeholder={isSet ? '••••••••' : ''} visibilityToggle={false} />
              </Form.Item>
            );
          }
          return (
            <Form.Item key={field.name} name={field.name} label={label} htmlFor={id} rules={[{ required: field.required, whitespace: true, message: t('channels.required', { field: label }) }]}>
              <Input id={id} placeholder={field.placeholder} />
            </Form.Item>
          );
        })}
        {error ? (
          <div style={{ marginBottom: 16 }}>
            <ErrorAlert error={error} />
          </div>
        ) : null}
        <Button type="primary" htmlType="submit" loading={saving}>
          {t('channels.save', { channel: title })}
        </Button>
      </Form>
      {props.receiptPath ? (
        <div style={{ marginTop: 24 }}>
          <Typography.Text strong>{t('channels.receiptAddress')}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 4 }}>
            {t(`channels.receiptHelp.${channel}`)}
          </Typography.Paragraph>
          <Typography.Paragraph copyable={{ text: `${window.location.origin}${props.receiptPath}` }}>
            <code className="patron-code" data-testid={`receipt-address-${channel}`}>{`${window.location.origin}${props.receiptPath}`}</code>
          </Typography.Paragraph>
        </div>
      ) : null}
    </Card>
  );
}

type TestValues = { customerId?: number; subject?: string; text: string; wechatTemplateId?: string };

function TestMessageModal({ channel, onClose }: { channel: ChannelKind; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const [form] = Form.useForm<TestValues>();
  const [query, setQuery] = useState('');
  const customers = useRequest(`test-customers|${query}`, () => fetchCustomers(client, { q: query, limit: 20 }));
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<MessageLogEntry>();
  const [error, setError] = useState<unknown>();

  const send = async (values: TestValues) => {
    setSending(true);
    setError(undefined);
    setResult(undefined);
    try {
      const content = { text: values.text, ...(values.subject ? { subject: values.subject } : {}), ...(values.wechatTemplateId ? { wechatTemplateId: values.wechatTemplateId } : {}) };
      setResult(await sendTestMessage(client, channel, { customerId: values.customerId!, content }));
    } catch (cause) {
      setError(cause);
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open
      title={t('channels.testTitle', { channel: t(`channels.kinds.${channel}`) })}
      onCancel={onClose}
      footer={[
        <Button key="close" onClick={onClose}>
          {t('channels.close')}
        </Button>,
        <Button key="send" type="primary" icon={<SendOutlined />} loading={sending} onClick={() => form.submit()}>
          {t('channels.sendNow')}
        </Button>,
      ]}
    >
      <Typography.Paragraph type="secondary">{t('channels.testIntro')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ text: t('channels.testText'), subject: t('channels.testSubject') }} onFinish={(v) => void send(v)}>
        <Form.Item label={t('channels.testCustomer')} name="customerId" htmlFor="test-customer" rules={[{ required: true, message: t('channels.pickCustomer') }]}>
          <Select
            id="test-customer"
            showSearch
            filterOption={false}
            onSearch={setQuery}
            loading={customers.loading}
            placeholder={t('channels.searchCustomer')}
            notFoundContent={customers.loading ? null : t('channels.noCustomers')}
            options={(customers.data?.customers ?? []).map((c) => ({ value: c.id, label: `${c.name ?? `#${c.id}`}${c.email ? ` · ${c.email}` : c.phone ? ` · ${c.phone}` : ''}` }))}
          />
        </Form.Item>
        {channel === 'email' ? (
          <Form.Item label={t('channels.testSubjectLabel')} name="subject" htmlFor="test-subject">
            <Input id="test-subject" />
          </Form.Item>
        ) : null}
        {channel === 'wechat' ? (
          <Form.Item label={t('channels.testTemplateId')} name="wechatTemplateId" htmlFor="test-template" rules={[{ required: true, message: t('channels.required', { field: t('channels.testTemplateId') }) }]}>
            <Input id="test-template" />
          </Form.Item>
        ) : null}
        <Form.Item label={t('channels.testTextLabel')} name="text" htmlFor="test-text" rules={[{ required: true, whitespace: true, message: t('channels.required', { field: t('channels.testTextLabel') }) }]}>
          <Input.TextArea id="test-text" rows={3} />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
      {result ? (
        <Alert
          role="status"
          data-testid="test-result"
          type={result.status === 'sent' || result.status === 'delivered' ? 'success' : result.status === 'queued' ? 'info' : 'error'}
          showIcon
          message={
            <Space>
              {t('channels.testResult', { id: result.id })}
              <MessageStatusTag status={result.status} />
            </Space>
          }
          description={result.reason ?? undefined}
        />
      ) : null}
    </Modal>
  );
}
