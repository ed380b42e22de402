import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Radio, Select, Skeleton, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { ContactSuppressionsCard } from './contact-suppressions-card.tsx';
import { channelKinds, fetchContactPolicy, saveContactPolicy, type CapRule, type ChannelKind, type ContactPolicy } from './channels-api.ts';

interface Values {
  fallbackOrder: ChannelKind[];
  globalCaps: CapRule[];
  perChannel: Record<ChannelKind, CapRule[]>;
  quietEnabled: boolean;
  quietStart: string;
  quietEnd: string;
  quietMode: 'hold' | 'skip';
  controlPercent: number;
}

const timeOfDay = /^([01]\d|2[0-3]):[0-5]\d$/;

function toValues(policy: ContactPolicy): Values {
  return {
    fallbackOrder: policy.fallbackOrder,
    globalCaps: policy.caps.global,
    perChannel: Object.fromEntries(channelKinds.map((c) => [c, policy.caps.perChannel[c] ?? []])) as Record<ChannelKind, CapRule[]>,
    quietEnabled: policy.quietHours !== null,
    quietStart: policy.quietHours?.start ?? '21:00',
    quietEnd: policy.quietHours?.end ?? '09:00',
    quietMode: policy.quietHours?.mode ?? 'hold',
    controlPercent: Math.round(policy.globalControlShare * 1000) / 10,
  };
}

function toPolicy(values: Values, base: ContactPolicy): ContactPolicy {
  const perChannel = Object.fromEntries(channelKinds.filter((c) => (values.perChannel[c] ?? []).length > 0).map((c) => [c, values.perChannel[c]]));
  return {
    ...base,
    fallbackOrder: values.fallbackOrder,
    caps: { global: values.globalCaps ?? [], perChannel },
    quietHours: values.quietEnabled ? { start: values.quietStart, end: values.quietEnd, mode: values.quietMode } : null,
    globalControlShare: (values.controlPercent ?? 0) / 100,
  };
}

/** The editable list of frequency caps: at most N marketing messages in D days. */
function CapList({ name, label }: { name: (string | number)[]; label: string }) {
  const { t } = useTranslation();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <Space direction="vertical" style={{ width: '100%' }} data-testid={`caps-${name.join('-')}`}>
          <Typography.Text strong>{label}</Typography.Text>
          {fields.length === 0 ? <Typography.Text type="secondary">{t('contactPolicy.noCaps')}</Typography.Text> : null}
          {fields.map((field, index) => (
            <Space key={field.key} align="baseline" wrap>
              <span>{t('contactPolicy.atMost')}</span>
              <Form.Item name={[field.name, 'max']} rules={[{ required: true, message: t('contactPolicy.capNumber') }]} style={{ marginBottom: 0 }}>
                <InputNumber min={0} max={1000} aria-label={t('contactPolicy.maxLabel', { n: index + 1, list: label })} />
              </Form.Item>
              <span>{t('contactPolicy.messagesIn')}</span>
              <Form.Item name={[field.name, 'days']} rules={[{ required: true, message: t('contactPolicy.capNumber') }]} style={{ marginBottom: 0 }}>
                <InputNumber min={1} max={366} aria-label={t('contactPolicy.daysLabel', { n: index + 1, list: label })} />
              </Form.Item>
              <span>{t('contactPolicy.days')}</span>
              <Button icon={<DeleteOutlined />} aria-label={t('contactPolicy.removeCap', { n: index + 1, list: label })} onClick={() => remove(field.name)} />
            </Space>
          ))}
          <Button icon={<PlusOutlined />} onClick={() => add({ max: 2, days: 7 })} disabled={fields.length >= 5}>
            {t('contactPolicy.addCap', { list: label })}
          </Button>
        </Space>
      )}
    </Form.List>
  );
}

/** The contact policy every journey, campaign and API send goes through: caps, quiet hours, fallback order, control group. */
export function ContactPolicyPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const policy = useRequest('contact-policy', () => fetchContactPolicy(client));
  const [form] = Form.useForm<Values>();
  const quietEnabled = Form.useWatch('quietEnabled', form);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  const save = async (values: Values) => {
    if (!policy.data) return;
    setSaving(true);
    setError(undefined);
    try {
      const saved = await saveContactPolicy(client, toPolicy(values, policy.data));
      form.setFieldsValue(toValues(saved));
      message.success(t('contactPolicy.saved'));
    } catch (cause) {
      setError(cause);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('contactPolicy.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('contactPolicy.intro')}</Typography.Paragraph>
      {policy.error ? <ErrorAlert error={policy.error} onRetry={policy.reload} /> : null}
      {!policy.data && !policy.error ? <Skeleton active /> : null}
      {policy.data ? (
        <Form form={form} layout="vertical" initialValues={toValues(policy.data)} onFinish={(v) => void save(v)}>
          <Space direction="vertical" size="large" style={{ width: '100%' }}>
            <Card title={t('contactPolicy.capsTitle')}>
              <Typography.Paragraph type="secondary">{t('contactPolicy.capsHelp')}</Typography.Paragraph>
              <Space direction="vertical" size="large" style={{ width: '100%' }}>
                <CapList name={['globalCaps']} label={t('contactPolicy.allChannels')} />
                {channelKinds.map((c) => (
                  <CapList key={c} name={['perChannel', c]} label={t(`channels.kinds.${c}`)} />
                ))}
              </Space>
            </Card>
            <Card title={t('contactPolicy.quietTitle')}>
              <Typography.Paragraph type="secondary">{t('contactPolicy.quietHelp')}</Typography.Paragraph>
              <Form.Item name="quietEnabled" label={t('contactPolicy.quietEnabled')} valuePropName="checked" htmlFor="quiet-enabled">
                <Switch id="quiet-enabled" />
              </Form.Item>
              {quietEnabled ? (
                <Space wrap size="large">
                  <Form.Item name="quietStart" label={t('contactPolicy.quietStart')} htmlFor="quiet-start" rules={[{ pattern: timeOfDay, required: true, message: t('contactPolicy.timeFormat') }]}>
                    <Input id="quiet-start" placeholder="21:00" style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name="quietEnd" label={t('contactPolicy.quietEnd')} htmlFor="quiet-end" rules={[{ pattern: timeOfDay, required: true, message: t('contactPolicy.timeFormat') }]}>
                    <Input id="quiet-end" placeholder="09:00" style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name="quietMode" label={t('contactPolicy.quietMode')}>
                    <Radio.Group
                      options={[
                        { value: 'hold', label: t('contactPolicy.modes.hold') },
                        { value: 'skip', label: t('contactPolicy.modes.skip') },
                      ]}
                    />
                  </Form.Item>
                </Space>
              ) : null}
            </Card>
            <Card title={t('contactPolicy.routingTitle')}>
              <Form.Item name="fallbackOrder" label={t('contactPolicy.fallbackOrder')} extra={t('contactPolicy.fallbackHelp')} htmlFor="fallback-order" rules={[{ required: true, message: t('contactPolicy.fallbackRequired') }]}>
                <Select id="fallback-order" mode="multiple" style={{ maxWidth: 480 }} options={channelKinds.map((c) => ({ value: c, label: t(`channels.kinds.${c}`) }))} />
              </Form.Item>
              <Form.Item name="controlPercent" label={t('contactPolicy.controlShare')} extra={t('contactPolicy.controlHelp')} htmlFor="control-share">
                <InputNumber id="control-share" min={0} max={50} step={0.5} addonAfter="%" />
              </Form.Item>
            </Card>
            {error ? <ErrorAlert error={error} title={t('contactPolicy.saveFailed')} /> : null}
            <Button type="primary" htmlType="submit" loading={saving}>
              {t('contactPolicy.save')}
            </Button>
          </Space>
        </Form>
      ) : null}
      <ContactSuppressionsCard />
    </Space>
  );
}
