import { ArrowLeftOutlined, CodeOutlined, QuestionCircleOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Drawer, Form, Input, InputNumber, Radio, Row, Skeleton, Space, Table, Typography } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/api-error.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchTags } from '../../api/customers-api.ts';
import {
  createSegment,
  explainRule,
  fetchCatalogue,
  fetchSegment,
  fetchSegments,
  updateSegment,
  type PreviewMember,
  type RuleJson,
  type Segment,
  type SegmentCatalogue,
} from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { customerPath, segmentPath, segmentsPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { enumLabel } from './enum-labels.ts';
import { RuleBuilder, type BuilderError } from './rule-builder.tsx';
import { emptyGroup, errorTarget, fromRuleJson, ruleSize, toRuleJson, type GroupState } from './rule-model.ts';
import { useLivePreview } from './use-live-preview.ts';
import { WhyDrawer } from './why-tree.tsx';
import './segments.css';

/** The currency's symbol in the locale ("¥", "CN¥"), put before money inputs of the builder. */
export function currencySymbol(currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency;
}

/** A new segment (no id) or the rule editor of a saved one: loads what the builder needs, then the editor. */
export function SegmentEditorPage({ segmentId }: { segmentId?: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const catalogue = useRequest('segments-catalogue', () => fetchCatalogue(client));
  const segment = useRequest(`segment-edit|${segmentId ?? 'new'}`, () => (segmentId === undefined ? Promise.resolve(undefined) : fetchSegment(client, segmentId)));
  const failed = catalogue.error ?? segment.error;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <AppLink href={segmentId === undefined ? segmentsPath : segmentPath(segmentId)}>
        <ArrowLeftOutlined aria-hidden="true" /> {segmentId === undefined ? t('segments.backToList') : t('segments.backToSegment')}
      </AppLink>
      {failed ? <ErrorAlert error={failed} title={t('segments.loadFailed')} onRetry={() => (catalogue.error ? catalogue.reload() : segment.reload())} /> : null}
      {!failed && (!catalogue.data || segment.loading) ? <Skeleton active paragraph={{ rows: 8 }} /> : null}
      {catalogue.data && !segment.loading && !failed ? <SegmentEditor catalogue={catalogue.data} segment={segment.data} /> : null}
    </Space>
  );
}

function SegmentEditor({ catalogue, segment }: { catalogue: SegmentCatalogue; segment: Segment | undefined }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const [root, setRoot] = useState<GroupState>(() => (segment ? fromRuleJson(segment.rule) : emptyGroup('all')));
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [kind, setKind] = useState<'dynamic' | 'static'>(segment?.kind ?? 'dynamic');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [nameError, setNameError] = useState<string>();
  const [sqlOpen, setSqlOpen] = useState(false);
  const [whyId, setWhyId] = useState<number>();
  const [whyInput, setWhyInput] = useState<number | null>(null);

  const rule = useMemo(() => toRuleJson(root), [root]);
  const ruleText = JSON.stringify(rule);
  const tags = useRequest('tags', () => fetchTags(client));
  const saved = useRequest('segments', () => fetchSegments(client));
  const preview = useLivePreview(client, rule, root.children.length > 0);
  const size = ruleSize(root);
  const empty = root.children.length === 0;

  // The preview's or the save's complaint about the rule, on the row it is about.
  const ruleError = [preview.errorFor === ruleText ? preview.error : undefined, saveError].find((e) => e instanceof ApiError && e.code === 'invalid_input') as ApiError | undefined;
  const target = ruleError ? errorTarget(root, ruleError) : undefined;
  const builderError: BuilderError | undefined = target && ruleError ? { ...target, message: ruleError.message.replace(/^rule[^:]*:\s*/, '') } : undefined;
  const otherSaveError = saveError && !(saveError instanceof ApiError && (errorTarget(root, saveError) || (saveError.details as { path?: unknown[] } | undefined)?.path?.[0] === 'name')) ? saveError : undefined;

  const save = async () => {
    if (name.trim() === '') {
      setNameError(t('segments.editor.nameRequired'));
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    setNameError(undefined);
    try {
      const result = segment
        ? await updateSegment(client, segment.id, { name: name.trim(), description, rule })
        : await createSegment(client, { name: name.trim(), description, kind, rule });
      navigate(segmentPath(result.id));
    } catch (error) {
      setSaveError(error);
      if (error instanceof ApiError && (error.details as { path?: unknown[] } | undefined)?.path?.[0] === 'name') setNameError(error.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {segment ? t('segments.editor.editTitle', { name: segment.name }) : t('segments.editor.newTitle')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card title={t('segments.editor.details')} size="small">
              <Form layout="vertical" onFinish={() => void save()} requiredMark={false}>
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item label={t('segments.editor.name')} htmlFor="segment-name" validateStatus={nameError ? 'error' : undefined} help={nameError}>
                      <Input id="segment-name" value={name} maxLength={200} placeholder={t('segments.editor.namePlaceholder')} onChange={(e) => setName(e.target.value)} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item label={t('segments.editor.kind')}>
                      <Radio.Group value={kind} disabled={Boolean(segment)} onChange={(e) => setKind(e.target.value as 'dynamic' | 'static')} aria-label={t('segments.editor.kind')}>
                        <Radio value="dynamic">{t('segments.segmentKinds.dynamic')}</Radio>
                        <Radio value="static">{t('segments.segmentKinds.static')}</Radio>
                      </Radio.Group>
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item label={t('segments.editor.description')} htmlFor="segment-description">
                  <Input.TextArea id="segment-description" value={description} maxLength={2000} autoSize={{ minRows: 1, maxRows: 4 }} onChange={(e) => setDescription(e.target.value)} />
                </Form.Item>
                <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
                  {kind === 'dynamic' ? t('segments.editor.dynamicHelp') : t('segments.editor.staticHelp')}
                </Typography.Paragraph>
                <Space wrap>
                  <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving} disabled={empty}>
                    {segment ? t('segments.editor.saveChanges') : t('segments.editor.save')}
                  </Button>
                  {empty ? <Typography.Text type="secondary">{t('segments.editor.addFirst')}</Typography.Text> : null}
                </Space>
                {otherSaveError ? (
                  <div style={{ marginTop: 12 }}>
                    <ErrorAlert error={otherSaveError} title={t('segments.editor.saveFailed')} />
                  </div>
                ) : null}
                {builderError && saveError ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={t('segments.editor.fixRule')} /> : null}
              </Form>
            </Card>
            <Card
              title={t('segments.editor.rule')}
              size="small"
              extra={
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('segments.editor.limits', { conditions: size.conditions, maxConditions: catalogue.limits.conditions, depth: size.depth, maxDepth: catalogue.limits.depth })}
                </Typography.Text>
              }
            >
              <RuleBuilder
                root={root}
                onChange={(next) => {
                  setRoot(next);
                  setSaveError(undefined);
                }}
                catalogue={catalogue}
                tags={(tags.data ?? []).map((x) => x.name)}
                segments={(saved.data ?? []).filter((s) => s.id !== segment?.id)}
                error={builderError}
                currencySymbol={currencySymbol(workspace.currency, locale)}
              />
            </Card>
          </Space>
        </Col>
        <Col xs={24} xl={9}>
          <div style={{ position: 'sticky', top: 16 }}>
            <PreviewCard
              preview={preview}
              ruleInvalid={Boolean(builderError)}
              empty={empty}
              currency={workspace.currency}
              locale={locale}
              onWhy={setWhyId}
              onSql={() => setSqlOpen(true)}
              whyInput={
                <Form layout="inline" onFinish={() => whyInput !== null && setWhyId(whyInput)} style={{ marginTop: 12 }}>
                  <Form.Item label={t('segments.why.customerId')} htmlFor="why-customer-id">
                    <InputNumber id="why-customer-id" min={1} precision={0} value={whyInput} onChange={(v) => setWhyInput(typeof v === 'number' ? v : null)} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item>
                    <Button htmlType="submit" icon={<QuestionCircleOutlined />} disabled={whyInput === null || empty}>
                      {t('segments.why.check')}
                    </Button>
                  </Form.Item>
                </Form>
              }
            />
          </div>
        </Col>
      </Row>
      <SqlDrawer open={sqlOpen} rule={rule} onClose={() => setSqlOpen(false)} />
      <WhyDrawer customerId={whyId} rule={rule} onClose={() => setWhyId(undefined)} />
    </>
  );
}

function PreviewCard(props: {
  preview: ReturnType<typeof useLivePreview>;
  ruleInvalid: boolean;
  empty: boolean;
  currency: string;
  locale: string;
  onWhy: (customerId: number) => void;
  onSql: () => void;
  whyInput: ReactNode;
}) {
  const { t } = useTranslation();
  const { preview, currency, locale } = props;
  const data = preview.data;
  const otherError = preview.error && !props.ruleInvalid ? preview.error : undefined;
  return (
    <Card
      title={t('segments.preview.title')}
      size="small"
      data-testid="segment-preview"
      extra={
        <Button size="small" icon={<CodeOutlined />} onClick={props.onSql} disabled={props.empty}>
          {t('segments.preview.showSql')}
        </Button>
      }
    >
      {props.empty ? <Typography.Paragraph type="secondary">{t('segments.preview.everyone')}</Typography.Paragraph> : null}
      {props.ruleInvalid ? <Alert type="warning" showIcon message={t('segments.preview.fixRule')} /> : null}
      {otherError ? <ErrorAlert error={otherError} title={t('segments.preview.failed')} /> : null}
      {data ? (
        <div style={{ opacity: preview.loading ? 0.55 : 1, transition: 'opacity 0.2s' }} aria-busy={preview.loading}>
          <div className="patron-preview-figures" aria-live="polite">
            <div className="patron-preview-figure">
              <div className="value" data-testid="preview-count">
                {formatCount(data.count, locale)}
              </div>
              <div className="label">{t('segments.preview.count')}</div>
            </div>
            <div className="patron-preview-figure">
              <div className="value" data-testid="preview-revenue">
                {formatMoney(data.revenueMinor, currency, locale)}
              </div>
              <div className="label">{t('segments.preview.revenue')}</div>
            </div>
          </div>
          <div className="patron-preview-meta" data-testid="preview-took">
            {t('segments.preview.took', { ms: data.tookMs })}
            {data.timeDependent ? ` · ${t('segments.preview.timeDependent')}` : ''}
          </div>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('segments.preview.sample', { count: data.sample.length })}
          </Typography.Title>
          <SampleTable sample={data.sample} currency={currency} locale={locale} onWhy={props.onWhy} />
        </div>
      ) : !otherError && !props.ruleInvalid ? (
        <Skeleton active paragraph={{ rows: 4 }} />
      ) : null}
      {props.whyInput}
    </Card>
  );
}

function SampleTable({ sample, currency, locale, onWhy }: { sample: readonly PreviewMember[]; currency: string; locale: string; onWhy: (id: number) => void }) {
  const { t } = useTranslation();
  return (
    <Table<PreviewMember>
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={[...sample]}
      scroll={{ x: true }}
      locale={{ emptyText: t('segments.preview.noMembers') }}
      columns={[
        { key: 'name', title: t('segments.columns.name'), render: (_, m) => <AppLink href={customerPath(m.id)}>{m.name ?? t('customers.unnamed')}</AppLink> },
        { key: 'city', title: t('segments.columns.city'), render: (_, m) => m.city ?? '—' },
        { key: 'rfm', title: t('segments.columns.rfm'), render: (_, m) => enumLabel(t, 'rfm_segment', m.rfmSegment) },
        { key: 'total', title: t('segments.columns.total'), align: 'right', render: (_, m) => formatMoney(m.totalSpentMinor, currency, locale) },
        {
          key: 'why',
          title: <span className="patron-visually-hidden">{t('segments.why.column')}</span>,
          render: (_, m) => (
            <Button size="small" type="link" onClick={() => onWhy(m.id)} aria-label={t('segments.why.forCustomer', { name: m.name ?? m.id })}>
              {t('segments.why.button')}
            </Button>
          ),
        },
      ]}
    />
  );
}

/** The "show SQL" drawer: the statement the rule compiles to, with its bound parameters. */
export function SqlDrawer({ open, rule, onClose }: { open: boolean; rule: RuleJson; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const explained = useRequest(open ? `explain|${JSON.stringify(rule)}` : 'explain-closed', () => (open ? explainRule(client, rule) : Promise.resolve(undefined)));
  return (
    <Drawer open={open} onClose={onClose} width={720} title={t('segments.sql.title')} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('segments.sql.help')}</Typography.Paragraph>
      {explained.error ? <ErrorAlert error={explained.error} onRetry={explained.reload} /> : null}
      {explained.loading ? <Skeleton active /> : null}
      {explained.data && !explained.loading ? (
        <>
          <pre className="patron-sql" data-testid="segment-sql">
            {explained.data.sql}
          </pre>
          <Typography.Title level={5}>{t('segments.sql.parameters')}</Typography.Title>
          <ol>
            {explained.data.parameters.map((p, i) => (
              <li key={i}>
                <code>{JSON.stringify(p)}</code>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </Drawer>
  );
}
