import { ArrowLeftOutlined, DeleteOutlined, EyeOutlined, PlusOutlined, SaveOutlined, ScheduleOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, DatePicker, Form, Input, InputNumber, Radio, Row, Select, Skeleton, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/api-error.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchMembers, fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { campaignPath, campaignsPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { fetchMessageTemplates, sendChannels, type MessageTemplate } from '../journeys/journeys-api.ts';
import { audienceShares, emptyDraft, fromCampaign, newVariant, toCampaignInput, variantContent, variantIndexOf, type CampaignDraft, type DraftProblem, type VariantDraft } from './campaign-model.ts';
import { createCampaign, fetchCampaign, previewMessage, scheduleCampaign, updateCampaign, type Campaign, type RenderedMessage } from './campaigns-api.ts';
import '../journeys/journeys.css';

/** A variant's content with its preview for one customer (what the send would render, or the missing variable). */
function VariantCard(props: {
  index: number;
  variant: VariantDraft;
  share: number;
  templates: readonly MessageTemplate[];
  customerId: number | null;
  error: string | undefined;
  canRemove: boolean;
  onChange: (v: VariantDraft) => void;
  onRemove: () => void;
  locale: string;
}) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { variant: v, index } = props;
  const [preview, setPreview] = useState<RenderedMessage>();
  const [previewError, setPreviewError] = useState<unknown>();
  // A preview is of the content as it was: a change takes it away rather than leave it stale.
  const onChange = (next: VariantDraft) => {
    setPreview(undefined);
    setPreviewError(undefined);
    props.onChange(next);
  };
  const [previewing, setPreviewing] = useState(false);
  const id = (name: string) => `variant-${v.key}-${name}`;
  const runPreview = async () => {
    if (props.customerId === null) return;
    setPreviewing(true);
    setPreviewError(undefined);
    try {
      const content = variantContent(v);
      setPreview(await previewMessage(client, props.customerId, content.templateId ? { templateId: content.templateId } : content.content!));
    } catch (error) {
      setPreview(undefined);
      setPreviewError(error);
    } finally {
      setPreviewing(false);
    }
  };
  return (
    <Card
      size="small"
      data-testid={`variant-${index}`}
      title={t('campaigns.composer.variantN', { name: v.name || index + 1 })}
      extra={
        <Space>
          <Typography.Text type="secondary">{t('campaigns.composer.share', { share: new Intl.NumberFormat(props.locale, { style: 'percent', maximumFractionDigits: 1 }).format(props.share) })}</Typography.Text>
          <Button size="small" icon={<DeleteOutlined />} disabled={!props.canRemove} onClick={props.onRemove} aria-label={t('campaigns.composer.removeVariant', { name: v.name })} />
        </Space>
      }
    >
      {props.error ? <Alert type="error" showIcon role="alert" message={props.error} style={{ marginBottom: 12 }} /> : null}
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item label={t('campaigns.composer.variantName')} htmlFor={id('name')}>
            <Input id={id('name')} value={v.name} maxLength={32} onChange={(e) => onChange({ ...v, name: e.target.value })} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item label={t('campaigns.composer.weight')} htmlFor={id('weight')}>
            <InputNumber id={id('weight')} min={0.01} value={v.weight} onChange={(w) => onChange({ ...v, weight: typeof w === 'number' ? w : 1 })} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item label={t('journeys.fields.contentSource')}>
        <Radio.Group value={v.source} aria-label={t('journeys.fields.contentSource')} onChange={(e) => onChange({ ...v, source: e.target.value as 'inline' | 'template', templateId: v.templateId ?? props.templates[0]?.id })}>
          <Radio value="inline">{t('journeys.fields.inline')}</Radio>
          <Radio value="template">{t('journeys.fields.template')}</Radio>
        </Radio.Group>
      </Form.Item>
      {v.source === 'template' ? (
        <Form.Item label={t('journeys.fields.template')} htmlFor={id('template')} extra={props.templates.length === 0 ? t('journeys.fields.noTemplates') : undefined}>
          <Select id={id('template')} value={v.templateId} options={props.templates.map((x) => ({ value: x.id, label: x.name }))} onChange={(templateId) => onChange({ ...v, templateId })} />
        </Form.Item>
      ) : (
        <>
          <Form.Item label={t('journeys.fields.subject')} htmlFor={id('subject')}>
            <Input id={id('subject')} value={v.subject} onChange={(e) => onChange({ ...v, subject: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.fields.text')} htmlFor={id('text')} extra={t('journeys.fields.textHelp', { example: '{{ customer.name }}' })}>
            <Input.TextArea id={id('text')} autoSize={{ minRows: 3, maxRows: 8 }} value={v.text} onChange={(e) => onChange({ ...v, text: e.target.value })} />
          </Form.Item>
        </>
      )}
      <Button icon={<EyeOutlined />} loading={previewing} disabled={props.customerId === null} onClick={() => void runPreview()}>
        {t('campaigns.composer.preview')}
      </Button>
      {previewError ? (
        <div style={{ marginTop: 12 }}>
          <ErrorAlert error={previewError} title={t('campaigns.composer.previewFailed')} />
        </div>
      ) : null}
      {preview ? (
        <div className="patron-campaign-preview" data-testid={`variant-preview-${index}`}>
          {preview.subject ? <Typography.Text strong>{preview.subject}</Typography.Text> : null}
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{preview.text}</Typography.Paragraph>
        </div>
      ) : null}
    </Card>
  );
}

/** The campaign composer for a new campaign, or for a saved draft (campaignId) to change it. */
export function CampaignComposerPage({ campaignId }: { campaignId?: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const saved = useRequest(`campaign-edit|${campaignId ?? 'new'}`, () => (campaignId === undefined ? Promise.resolve(undefined) : fetchCampaign(client, campaignId)));
  if (saved.error) return <ErrorAlert error={saved.error} onRetry={saved.reload} />;
  if (saved.loading) return <Skeleton active paragraph={{ rows: 8 }} />;
  if (saved.data && saved.data.status !== 'draft') return <Alert type="info" showIcon message={t('campaigns.composer.notDraft')} action={<AppLink href={campaignPath(saved.data.id)}>{saved.data.name}</AppLink>} />;
  return <Composer saved={saved.data} />;
}

/** The composer: audience, channel, variants with previews, holdout, attribution; save, send now or schedule. */
function Composer({ saved }: { saved: Campaign | undefined }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const locale = intlLocaleOf(useLanguage());
  const [draft, setDraft] = useState<CampaignDraft>(() => (saved ? fromCampaign(saved) : emptyDraft()));
  const [when, setWhen] = useState<'draft' | 'now' | 'later'>('now');
  const [at, setAt] = useState<Dayjs | null>(null);
  const [problems, setProblems] = useState<DraftProblem[]>([]);
  const [saveError, setSaveError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [previewCustomer, setPreviewCustomer] = useState<number | null>(null);
  const segments = useRequest('segments', () => fetchSegments(client));
  const templates = useRequest('message-templates', () => fetchMessageTemplates(client));
  const segment = segments.data?.find((s) => s.id === draft.segmentId);
  const shares = audienceShares(draft.variants, draft.holdoutPercent);

  // Preview as the audience's first member, until the user picks someone else.
  const firstMember = useRequest(`campaign-preview-member|${draft.segmentId ?? 0}`, () =>
    draft.segmentId === undefined ? Promise.resolve(undefined) : fetchMembers(client, draft.segmentId, { limit: 1 }).then((m) => m.members[0]?.customerId),
  );
  useEffect(() => {
    if (firstMember.data !== undefined) setPreviewCustomer(firstMember.data);
  }, [firstMember.data]);

  const set = (patch: Partial<CampaignDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setSaveError(undefined);
    // A field that was missing stops saying so once it is filled in.
    setProblems((p) => p.filter((x) => !(x === 'name' && patch.name?.trim()) && !(x === 'segment' && patch.segmentId !== undefined)));
  };
  const apiError = saveError instanceof ApiError && saveError.code === 'invalid_input' ? saveError : undefined;
  const errorVariant = apiError ? variantIndexOf(apiError.details) : undefined;
  const errorPath = (apiError?.details as { path?: unknown[] } | undefined)?.path?.[0];

  const submit = async () => {
    const result = toCampaignInput(draft);
    if ('problems' in result) {
      setProblems(result.problems);
      return;
    }
    if (when === 'later' && !at) return;
    setProblems([]);
    setSaving(true);
    setSaveError(undefined);
    try {
      const campaign = saved ? await updateCampaign(client, saved.id, result.input) : await createCampaign(client, result.input);
      if (when !== 'draft') await scheduleCampaign(client, campaign.id, when === 'later' ? at!.toISOString() : undefined);
      navigate(campaignPath(campaign.id));
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <AppLink href={saved ? campaignPath(saved.id) : campaignsPath}>
        <ArrowLeftOutlined aria-hidden="true" /> {saved ? t('campaigns.backToCampaign') : t('campaigns.backToList')}
      </AppLink>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {saved ? t('campaigns.composer.editTitle', { name: saved.name }) : t('campaigns.composer.title')}
      </Typography.Title>
      {segments.error ? <ErrorAlert error={segments.error} onRetry={segments.reload} /> : null}
      <Form layout="vertical" requiredMark={false} onFinish={() => void submit()}>
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={9}>
            <Card size="small" title={t('campaigns.composer.audienceAndChannel')}>
              <Form.Item label={t('campaigns.composer.name')} htmlFor="campaign-name" validateStatus={problems.includes('name') ? 'error' : undefined} help={problems.includes('name') ? t('campaigns.composer.nameRequired') : undefined}>
                <Input id="campaign-name" value={draft.name} maxLength={200} placeholder={t('campaigns.composer.namePlaceholder')} onChange={(e) => set({ name: e.target.value })} />
              </Form.Item>
              <Form.Item
                label={t('campaigns.composer.segment')}
                htmlFor="campaign-segment"
                validateStatus={problems.includes('segment') || errorPath === 'segmentId' ? 'error' : undefined}
                help={problems.includes('segment') ? t('campaigns.composer.segmentRequired') : errorPath === 'segmentId' ? apiError?.message : segments.data?.length === 0 ? t('campaigns.composer.noSegments') : undefined}
                extra={segment ? t('campaigns.composer.members', { count: segment.memberCount, value: formatCount(segment.memberCount, locale) }) : undefined}
              >
                <Select
                  id="campaign-segment"
                  showSearch
                  optionFilterProp="label"
                  value={draft.segmentId}
                  loading={segments.loading}
                  options={(segments.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
                  onChange={(segmentId: number) => set({ segmentId })}
                />
              </Form.Item>
              <Form.Item label={t('journeys.fields.channel')} htmlFor="campaign-channel">
                <Select id="campaign-channel" value={draft.channel} options={sendChannels.map((c) => ({ value: c, label: t(`journeys.channels.${c}`) }))} onChange={(channel) => set({ channel })} />
              </Form.Item>
              <Form.Item label={t('journeys.fields.purpose')}>
                <Radio.Group value={draft.purpose} aria-label={t('journeys.fields.purpose')} onChange={(e) => set({ purpose: e.target.value as 'marketing' | 'transactional' })}>
                  <Radio value="marketing">{t('journeys.purposes.marketing')}</Radio>
                  <Radio value="transactional">{t('journeys.purposes.transactional')}</Radio>
                </Radio.Group>
              </Form.Item>
              <Form.Item label={t('campaigns.composer.holdout')} htmlFor="campaign-holdout" extra={t('campaigns.composer.holdoutHelp')} validateStatus={errorPath === 'holdoutShare' ? 'error' : undefined} help={errorPath === 'holdoutShare' ? apiError?.message : undefined}>
                <InputNumber id="campaign-holdout" min={0} max={50} step={1} value={draft.holdoutPercent} addonAfter="%" onChange={(v) => set({ holdoutPercent: typeof v === 'number' ? v : 0 })} />
              </Form.Item>
              <Form.Item label={t('campaigns.composer.attributionDays')} htmlFor="campaign-attribution">
                <InputNumber id="campaign-attribution" min={1} max={90} precision={0} value={draft.attributionDays} onChange={(v) => set({ attributionDays: typeof v === 'number' ? v : 7 })} />
              </Form.Item>
              <Form.Item label={t('campaigns.composer.goalEvent')} htmlFor="campaign-goal" extra={t('campaigns.composer.goalHelp')}>
                <Input id="campaign-goal" value={draft.goalEvent} placeholder="Order Completed" onChange={(e) => set({ goalEvent: e.target.value })} />
              </Form.Item>
              <Form.Item label={t('campaigns.composer.when')}>
                <Radio.Group value={when} aria-label={t('campaigns.composer.when')} onChange={(e) => setWhen(e.target.value as 'draft' | 'now' | 'later')}>
                  <Space direction="vertical">
                    <Radio value="now">{t('campaigns.composer.sendNow')}</Radio>
                    <Radio value="later">{t('campaigns.composer.schedule')}</Radio>
                    <Radio value="draft">{t('campaigns.composer.keepDraft')}</Radio>
                  </Space>
                </Radio.Group>
              </Form.Item>
              {when === 'later' ? (
                <Form.Item label={t('campaigns.composer.at')} htmlFor="campaign-at" validateStatus={!at ? 'warning' : undefined} help={!at ? t('campaigns.composer.pickTime') : undefined}>
                  <DatePicker id="campaign-at" showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" value={at} onChange={(v) => setAt(v)} />
                </Form.Item>
              ) : null}
              {saveError && errorVariant === undefined && errorPath !== 'segmentId' && errorPath !== 'holdoutShare' ? <ErrorAlert error={saveError} title={t('campaigns.composer.saveFailed')} /> : null}
              <Button type="primary" htmlType="submit" loading={saving} icon={when === 'now' ? <SendOutlined /> : when === 'later' ? <ScheduleOutlined /> : <SaveOutlined />} style={{ marginTop: 12 }}>
                {t(`campaigns.composer.submit.${when}`)}
              </Button>
            </Card>
          </Col>
          <Col xs={24} xl={15}>
            <Space direction="vertical" size="middle" style={{ width: '100%' }}>
              <Card size="small">
                <Form.Item label={t('campaigns.composer.previewCustomer')} htmlFor="campaign-preview-customer" extra={t('campaigns.composer.previewCustomerHelp')} style={{ marginBottom: 0 }}>
                  <InputNumber id="campaign-preview-customer" min={1} precision={0} value={previewCustomer} onChange={(v) => setPreviewCustomer(typeof v === 'number' ? v : null)} style={{ width: 160 }} />
                </Form.Item>
              </Card>
              {draft.variants.map((v, i) => (
                <VariantCard
                  key={v.key}
                  index={i}
                  variant={v}
                  share={shares[i] ?? 0}
                  templates={templates.data ?? []}
                  customerId={previewCustomer}
                  error={errorVariant === i ? apiError?.message : undefined}
                  canRemove={draft.variants.length > 1}
                  locale={locale}
                  onChange={(next) => set({ variants: draft.variants.map((x) => (x.key === v.key ? next : x)) })}
                  onRemove={() => set({ variants: draft.variants.filter((x) => x.key !== v.key) })}
                />
              ))}
              <Button icon={<PlusOutlined />} disabled={draft.variants.length >= 10} onClick={() => set({ variants: [...draft.variants, newVariant(draft.variants.length)] })}>
                {t('campaigns.composer.addVariant')}
              </Button>
            </Space>
          </Col>
        </Row>
      </Form>
    </Space>
  );
}
