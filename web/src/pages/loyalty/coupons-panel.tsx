import { PlusOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Form, Input, InputNumber, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { createCouponTemplate, fetchCouponTemplates, issueToSegment, type CouponTemplate, type IssueResult } from './loyalty-api.ts';

interface TemplateForm {
  name: string;
  discountKind: 'amount_off' | 'percent_off';
  amountOff?: number;
  percentOff?: number;
  minSpend?: number;
  validDays?: number;
  perCustomerLimit?: number;
}

/** The template's discount in words: "¥10.00 off, from ¥50.00" or "15% off". */
function useDiscountText() {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  return (c: CouponTemplate) => {
    const off = c.discountKind === 'amount_off' ? t('loyalty.coupons.amountOffText', { amount: formatMoney(c.amountOffMinor ?? 0, workspace.currency, locale) }) : t('loyalty.coupons.percentOffText', { percent: c.percentOff });
    return c.minSpendMinor > 0 ? t('loyalty.coupons.withMinimum', { off, amount: formatMoney(c.minSpendMinor, workspace.currency, locale) }) : off;
  };
}

function NewTemplateModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const [form] = Form.useForm<TemplateForm>();
  const kind = Form.useWatch('discountKind', form);
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const submit = async (v: TemplateForm) => {
    setSaving(true);
    setError(undefined);
    try {
      await createCouponTemplate(client, {
        name: v.name,
        discountKind: v.discountKind,
        ...(v.discountKind === 'amount_off' ? { amountOffMinor: Math.round((v.amountOff ?? 0) * 100) } : { percentOff: v.percentOff ?? 0 }),
        minSpendMinor: Math.round((v.minSpend ?? 0) * 100),
        ...(v.validDays ? { validDays: v.validDays } : {}),
        ...(v.perCustomerLimit ? { perCustomerLimit: v.perCustomerLimit } : {}),
      });
      form.resetFields();
      onCreated();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={open} title={t('loyalty.coupons.new')} onCancel={onClose} onOk={() => form.submit()} okText={t('loyalty.coupons.create')} cancelText={t('loyalty.cancel')} confirmLoading={saving} destroyOnHidden>
      <Form<TemplateForm> form={form} layout="vertical" initialValues={{ discountKind: 'amount_off', minSpend: 0, validDays: 30 }} onFinish={submit}>
        <Form.Item name="name" label={t('loyalty.coupons.name')} rules={[{ required: true, whitespace: true, message: t('loyalty.coupons.nameRequired') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="discountKind" label={t('loyalty.coupons.kind')}>
          <Select
            options={[
              { value: 'amount_off', label: t('loyalty.coupons.kinds.amount_off') },
              { value: 'percent_off', label: t('loyalty.coupons.kinds.percent_off') },
            ]}
          />
        </Form.Item>
        {kind === 'percent_off' ? (
          <Form.Item name="percentOff" label={t('loyalty.coupons.percentOff')} rules={[{ required: true, message: t('loyalty.coupons.percentRequired') }]}>
            <InputNumber min={1} max={100} precision={0} suffix="%" />
          </Form.Item>
        ) : (
          <Form.Item name="amountOff" label={t('loyalty.coupons.amountOff', { currency: workspace.currency })} rules={[{ required: true, message: t('loyalty.coupons.amountRequired') }]}>
            <InputNumber min={0.01} max={1_000_000} precision={2} />
          </Form.Item>
        )}
        <Space wrap align="start">
          <Form.Item name="minSpend" label={t('loyalty.coupons.minSpend', { currency: workspace.currency })}>
            <InputNumber min={0} max={100_000_000} precision={2} />
          </Form.Item>
          <Form.Item name="validDays" label={t('loyalty.coupons.validDays')}>
            <InputNumber min={1} max={3650} precision={0} />
          </Form.Item>
          <Form.Item name="perCustomerLimit" label={t('loyalty.coupons.perCustomerLimit')}>
            <InputNumber min={1} max={1000} precision={0} />
          </Form.Item>
        </Space>
        {error ? <ErrorAlert error={error} title={t('loyalty.coupons.createFailed')} /> : null}
      </Form>
    </Modal>
  );
}

function IssueModal({ template, onClose, onIssued }: { template: CouponTemplate; onClose: () => void; onIssued: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const segments = useRequest('segments', () => fetchSegments(client));
  const [segmentId, setSegmentId] = useState<number | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<IssueResult | undefined>(undefined);
  // One key per opening of the dialog: pressing issue again after a failure issues nobody twice.
  const [issueKey] = useState(() => `console:${template.id}:${Date.now()}`);
  const issue = async () => {
    if (segmentId === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setResult(await issueToSegment(client, template.id, segmentId, `${issueKey}:${segmentId}`));
      onIssued();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t('loyalty.coupons.issueTitle', { name: template.name })}
      onCancel={onClose}
      onOk={result ? onClose : issue}
      okText={result ? t('loyalty.close') : t('loyalty.coupons.issue')}
      okButtonProps={{ disabled: !result && segmentId === undefined }}
      cancelText={t('loyalty.cancel')}
      confirmLoading={busy}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <label htmlFor="issue-segment">{t('loyalty.coupons.segment')}</label>
        <Select
          id="issue-segment"
          style={{ width: '100%' }}
          loading={segments.loading}
          value={segmentId}
          onChange={setSegmentId}
          placeholder={t('loyalty.coupons.segmentPlaceholder')}
          notFoundContent={t('loyalty.coupons.noSegments')}
          options={(segments.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        />
        {segments.error ? <ErrorAlert error={segments.error} onRetry={segments.reload} /> : null}
        {error ? <ErrorAlert error={error} title={t('loyalty.coupons.issueFailed')} /> : null}
        {result ? (
          <Alert
            type="success"
            showIcon
            role="status"
            message={t('loyalty.coupons.issued', { issued: formatCount(result.issued.length, locale), skipped: formatCount(result.skipped.length, locale) })}
          />
        ) : null}
      </Space>
    </Modal>
  );
}

/** Coupon templates with what each has issued, redeemed and brought in; create one, or issue one to a segment. */
export function CouponsPanel() {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const list = useRequest('coupon-templates', () => fetchCouponTemplates(client));
  const [creating, setCreating] = useState(false);
  const [issuing, setIssuing] = useState<CouponTemplate | undefined>(undefined);
  const discount = useDiscountText();
  const templates = list.data?.templates ?? [];
  const stat = (id: number, key: 'issued' | 'redeemed' | 'expired') => formatCount(list.data?.report.get(id)?.[key] ?? 0, locale);

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('loyalty.coupons.new')}
        </Button>
      </div>
      {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
      {list.data && templates.length === 0 ? (
        <Card>
          <Empty
            description={
              <span className="patron-empty">
                <Typography.Text strong>{t('loyalty.coupons.emptyTitle')}</Typography.Text>
                <Typography.Text type="secondary">{t('loyalty.coupons.emptyBody')}</Typography.Text>
              </span>
            }
          />
        </Card>
      ) : (
        <Card styles={{ body: { padding: 0 } }}>
          <Table<CouponTemplate>
            rowKey="id"
            size="middle"
            pagination={false}
            loading={list.loading}
            dataSource={templates}
            scroll={{ x: true }}
            data-testid="coupon-templates"
            columns={[
              { key: 'name', title: t('loyalty.coupons.name'), render: (_, c) => <Typography.Text strong>{c.name}</Typography.Text> },
              { key: 'discount', title: t('loyalty.coupons.discount'), render: (_, c) => discount(c) },
              { key: 'valid', title: t('loyalty.coupons.validity'), render: (_, c) => (c.validDays ? t('loyalty.coupons.validForDays', { days: c.validDays }) : t('loyalty.none')) },
              { key: 'issued', title: t('loyalty.coupons.issuedCount'), align: 'right', render: (_, c) => stat(c.id, 'issued') },
              { key: 'redeemed', title: t('loyalty.coupons.redeemedCount'), align: 'right', render: (_, c) => stat(c.id, 'redeemed') },
              { key: 'expired', title: t('loyalty.coupons.expiredCount'), align: 'right', render: (_, c) => stat(c.id, 'expired') },
              { key: 'revenue', title: t('loyalty.coupons.revenue'), align: 'right', render: (_, c) => formatMoney(list.data?.report.get(c.id)?.revenueMinor ?? 0, workspace.currency, locale) },
              {
                key: 'actions',
                title: t('loyalty.coupons.actions'),
                render: (_, c) => (
                  <Button size="small" icon={<SendOutlined />} onClick={() => setIssuing(c)} aria-label={t('loyalty.coupons.issueTo', { name: c.name })}>
                    {t('loyalty.coupons.issueToSegment')}
                  </Button>
                ),
              },
            ]}
          />
        </Card>
      )}
      <NewTemplateModal open={creating} onClose={() => setCreating(false)} onCreated={() => (setCreating(false), list.reload())} />
      {issuing ? <IssueModal template={issuing} onClose={() => setIssuing(undefined)} onIssued={list.reload} /> : null}
    </Space>
  );
}
