import { Button, Card, Descriptions, Empty, Form, Input, InputNumber, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { saveProgram, type Expiry, type Program } from './loyalty-api.ts';
import { formFromProgram, rulesFromForm, type ProgramForm } from './program-form.ts';

/** How long points last, in words. */
function ExpiryText({ expiry }: { expiry: Expiry }) {
  const { t } = useTranslation();
  if (expiry.kind === 'rolling') return <>{t('loyalty.program.expiryRolling', { months: expiry.months })}</>;
  if (expiry.kind === 'end_of_year') return <>{t('loyalty.program.expiryEndOfYear', { years: expiry.extraYears })}</>;
  return <>{t('loyalty.program.expiryNever')}</>;
}

/**
 * The program's rules: how points are earned and when they expire, the action bonuses, and a form for the
 * earn rate and expiry (creating the program when there is none; other rules are kept as they are).
 */
export function ProgramPanel({ program, onSaved }: { program: Program | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const [form] = Form.useForm<ProgramForm>();
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const expiryKind = Form.useWatch('expiryKind', form);

  const save = async (values: ProgramForm) => {
    setSaving(true);
    setError(undefined);
    try {
      await saveProgram(client, { name: values.name, rules: rulesFromForm(program?.rules, values) });
      setEditing(false);
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  const initial = formFromProgram(program);

  const editor = (
    <Form<ProgramForm> form={form} layout="vertical" initialValues={initial} onFinish={save} style={{ maxWidth: 560 }} aria-label={t('loyalty.program.formLabel')}>
      <Form.Item name="name" label={t('loyalty.program.name')} rules={[{ required: true, whitespace: true, message: t('loyalty.program.nameRequired') }]}>
        <Input maxLength={200} />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item name="pointsPerUnit" label={t('loyalty.program.pointsPerUnit')} rules={[{ required: true, message: t('loyalty.program.numberRequired') }]}>
          <InputNumber min={0} max={1_000_000} precision={0} />
        </Form.Item>
        <Form.Item name="unitMajor" label={t('loyalty.program.unit', { currency: workspace.currency })} rules={[{ required: true, message: t('loyalty.program.numberRequired') }]}>
          <InputNumber min={0.01} max={10_000_000} precision={2} />
        </Form.Item>
      </Space>
      <Space wrap align="start">
        <Form.Item name="expiryKind" label={t('loyalty.program.expiry')}>
          <Select
            style={{ width: 220 }}
            options={[
              { value: 'rolling', label: t('loyalty.program.expiryKinds.rolling') },
              { value: 'end_of_year', label: t('loyalty.program.expiryKinds.end_of_year') },
              { value: 'never', label: t('loyalty.program.expiryKinds.never') },
            ]}
          />
        </Form.Item>
        {expiryKind === 'rolling' ? (
          <Form.Item name="months" label={t('loyalty.program.months')} rules={[{ required: true, message: t('loyalty.program.numberRequired') }]}>
            <InputNumber min={1} max={120} precision={0} />
          </Form.Item>
        ) : null}
      </Space>
      {error ? <ErrorAlert error={error} title={t('loyalty.program.saveFailed')} /> : null}
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" htmlType="submit" loading={saving}>
          {program ? t('loyalty.program.save') : t('loyalty.program.create')}
        </Button>
        {program ? <Button onClick={() => setEditing(false)}>{t('loyalty.cancel')}</Button> : null}
      </Space>
    </Form>
  );

  if (!program) {
    return (
      <Card>
        <Empty
          description={
            <span className="patron-empty">
              <Typography.Text strong>{t('loyalty.program.emptyTitle')}</Typography.Text>
              <Typography.Text type="secondary">{t('loyalty.program.emptyBody')}</Typography.Text>
            </span>
          }
        />
        {editor}
      </Card>
    );
  }

  const earn = program.rules.earn;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card
        title={program.name}
        extra={
          editing ? null : (
            <Button onClick={() => (form.setFieldsValue(initial), setEditing(true))}>{t('loyalty.program.edit')}</Button>
          )
        }
        data-testid="loyalty-program"
      >
        {editing ? (
          editor
        ) : (
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            <Descriptions.Item label={t('loyalty.program.earnRate')}>
              {t('loyalty.program.earnRateText', { points: formatCount(earn.pointsPerUnit, locale), amount: formatMoney(earn.unitMinor, workspace.currency, locale) })}
            </Descriptions.Item>
            <Descriptions.Item label={t('loyalty.program.expiry')}>
              <ExpiryText expiry={program.rules.expiry} />
            </Descriptions.Item>
            <Descriptions.Item label={t('loyalty.program.maxPerOrder')}>{earn.maxPerOrder === undefined ? t('loyalty.none') : formatCount(earn.maxPerOrder, locale)}</Descriptions.Item>
            <Descriptions.Item label={t('loyalty.program.maxPerDay')}>{earn.maxPerDay === undefined ? t('loyalty.none') : formatCount(earn.maxPerDay, locale)}</Descriptions.Item>
            <Descriptions.Item label={t('loyalty.program.categoryMultipliers')}>
              {Object.entries(earn.categoryMultipliers).map(([k, v]) => `${k} ×${v}`).join(', ') || t('loyalty.none')}
            </Descriptions.Item>
            <Descriptions.Item label={t('loyalty.program.channelMultipliers')}>
              {Object.entries(earn.channelMultipliers).map(([k, v]) => `${k} ×${v}`).join(', ') || t('loyalty.none')}
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <Card title={t('loyalty.program.bonuses')} size="small">
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={[...program.rules.bonuses]}
          locale={{ emptyText: t('loyalty.program.noBonuses') }}
          columns={[
            { key: 'event', title: t('loyalty.program.bonusEvent'), render: (_, b) => b.event },
            { key: 'where', title: t('loyalty.program.bonusWhere'), render: (_, b) => Object.entries(b.where).map(([k, v]) => `${k} = ${String(v)}`).join(', ') || '—' },
            { key: 'points', title: t('loyalty.points'), align: 'right', render: (_, b) => formatCount(b.points, locale) },
            { key: 'max', title: t('loyalty.program.bonusMax'), align: 'right', render: (_, b) => (b.maxPerCustomer === undefined ? t('loyalty.none') : formatCount(b.maxPerCustomer, locale)) },
          ]}
        />
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
          {t('loyalty.program.birthdayNote')}
        </Typography.Paragraph>
      </Card>
    </Space>
  );
}
