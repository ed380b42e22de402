import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, InputNumber, Radio, Select, Skeleton, Space, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchTags } from '../../api/customers-api.ts';
import { fetchCatalogue, fetchSegments, type Segment } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { RuleBuilder } from '../segments/rule-builder.tsx';
import { currencySymbol } from '../segments/segment-editor-page.tsx';
import { fromRuleJson, toRuleJson, type GroupState } from '../segments/rule-model.ts';
import { dateFields, sendChannels, triggerKinds, type CouponTemplate, type Duration, type JourneySettings, type MessageTemplate, type StepJson, type TriggerJson } from './journeys-api.ts';
import { outputsOf } from './journey-model.ts';

/** The complaint shown in the panel: its message and the field it names ('' for the step as a whole). */
export interface PanelError {
  readonly field: string;
  readonly message: string;
}

/** The help and status of a form item when the error names its field (or a field inside it). */
function fieldStatus(error: PanelError | undefined, ...fields: string[]): { validateStatus?: 'error'; help?: ReactNode } {
  if (!error || !fields.some((f) => error.field === f || error.field.startsWith(`${f}.`))) return {};
  return { validateStatus: 'error', help: error.message };
}

function DurationFields({ id, value, onChange, disabled }: { id: string; value: Duration | undefined; onChange: (d: Duration) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const part = (unit: 'days' | 'hours' | 'minutes') => (
    <InputNumber
      id={`${id}-${unit}`}
      aria-label={t(`journeys.fields.${unit}`)}
      min={0}
      precision={0}
      disabled={disabled}
      value={value?.[unit] ?? null}
      addonAfter={t(`journeys.fields.${unit}`)}
      style={{ width: 150 }}
      onChange={(v) => onChange({ ...value, [unit]: typeof v === 'number' ? v : undefined })}
    />
  );
  return (
    <Space wrap>
      {part('days')}
      {part('hours')}
      {part('minutes')}
    </Space>
  );
}

/** Tags to add or remove, typed freely or picked from the workspace's tags. */
function TagsSelect({ id, value, onChange, disabled, tags }: { id: string; value: readonly string[] | undefined; onChange: (v: string[]) => void; disabled: boolean; tags: readonly string[] }) {
  return <Select id={id} mode="tags" disabled={disabled} value={[...(value ?? [])]} options={tags.map((tag) => ({ value: tag, label: tag }))} onChange={(v: string[]) => onChange(v)} />;
}

/** The branch rule in the segments rule builder; the builder's state is kept here so rows keep their identity while typing. */
function BranchRule({ rule, onChange, readOnly }: { rule: Extract<StepJson, { kind: 'branch' }>['rule']; onChange: (rule: ReturnType<typeof toRuleJson>) => void; readOnly: boolean }) {
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const [root, setRoot] = useState<GroupState>(() => fromRuleJson(rule));
  const catalogue = useRequest('segments-catalogue', () => fetchCatalogue(client));
  const tags = useRequest('tags', () => fetchTags(client));
  const segments = useRequest('segments', () => fetchSegments(client));
  if (!catalogue.data) return <Skeleton active paragraph={{ rows: 2 }} />;
  return (
    <RuleBuilder
      root={root}
      readOnly={readOnly}
      onChange={(next) => {
        setRoot(next);
        onChange(toRuleJson(next));
      }}
      catalogue={catalogue.data}
      tags={(tags.data ?? []).map((x) => x.name)}
      segments={segments.data ?? []}
      currencySymbol={currencySymbol(workspace.currency, locale)}
    />
  );
}

/** The fields the panel has an input for, per kind (a complaint about another field is shown at the top). */
const shownFields: Readonly<Record<StepJson['kind'], readonly string[]>> = {
  wait: ['duration', 'untilTimeOfDay'],
  wait_for_event: ['event', 'timeout'],
  branch: ['rule'],
  split: ['branches'],
  send: ['channel', 'templateId', 'content'],
  update: ['addTags', 'removeTags'],
  grant_points: ['points', 'reason', 'kind'],
  grant_coupon: ['couponTemplateId', 'kind'],
  webhook: ['url', 'secret'],
  task: ['title', 'assignee', 'dueInDays'],
  exit: [],
};
const fieldShown = (step: StepJson, field: string) => shownFields[step.kind].some((f) => field === f || field.startsWith(`${f}.`));

/** Settings of one step: a labelled form per kind, and where each output leads (the keyboard's way to connect). */
export function StepSettings(props: {
  id: string;
  step: StepJson;
  readOnly: boolean;
  error: PanelError | undefined;
  onChange: (step: StepJson) => void;
  targets: ReadonlyMap<string, string>;
  stepIds: readonly string[];
  onConnect: (handle: string, target: string | undefined) => void;
  onRemove: () => void;
  onRemoveArm: (index: number) => void;
  messageTemplates: readonly MessageTemplate[];
  couponTemplates: readonly CouponTemplate[];
  tags: readonly string[];
}) {
  const { t } = useTranslation();
  const { id, step, readOnly: ro, error, onChange } = props;
  const f = (name: string) => `step-${id}-${name}`;
  const body = ((): ReactNode => {
    switch (step.kind) {
      case 'wait':
        return (
          <>
            <Form.Item label={t('journeys.fields.duration')} {...fieldStatus(error, 'duration', '')}>
              <DurationFields id={f('duration')} value={step.duration} disabled={ro} onChange={(duration) => onChange({ ...step, duration })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.untilTimeOfDay')} htmlFor={f('until')} extra={t('journeys.fields.untilTimeOfDayHelp')} {...fieldStatus(error, 'untilTimeOfDay')}>
              <Input id={f('until')} disabled={ro} placeholder="10:00" value={step.untilTimeOfDay ?? ''} style={{ width: 120 }} onChange={(e) => onChange({ ...step, untilTimeOfDay: e.target.value || undefined })} />
            </Form.Item>
          </>
        );
      case 'wait_for_event':
        return (
          <>
            <Form.Item label={t('journeys.fields.event')} htmlFor={f('event')} {...fieldStatus(error, 'event')}>
              <Input id={f('event')} disabled={ro} value={step.event} placeholder="Order Completed" onChange={(e) => onChange({ ...step, event: e.target.value })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.timeout')} {...fieldStatus(error, 'timeout')}>
              <DurationFields id={f('timeout')} value={step.timeout} disabled={ro} onChange={(timeout) => onChange({ ...step, timeout })} />
            </Form.Item>
          </>
        );
      case 'branch':
        return (
          <Form.Item label={t('journeys.fields.rule')} extra={t('journeys.fields.ruleHelp')} {...fieldStatus(error, 'rule')}>
            <BranchRule key={id} rule={step.rule} readOnly={ro} onChange={(rule) => onChange({ ...step, rule })} />
          </Form.Item>
        );
      case 'split':
        return (
          <Form.Item label={t('journeys.fields.arms')} {...fieldStatus(error, 'branches')}>
            <Space direction="vertical" style={{ width: '100%' }}>
              {step.branches.map((b, i) => (
                <Space key={i} wrap>
                  <Input
                    aria-label={t('journeys.fields.armName', { n: i + 1 })}
                    disabled={ro}
                    value={b.name}
                    style={{ width: 110 }}
                    onChange={(e) => onChange({ ...step, branches: step.branches.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })}
                  />
                  <InputNumber
                    aria-label={t('journeys.fields.armWeight', { n: i + 1 })}
                    disabled={ro}
                    min={0.01}
                    value={b.weight}
                    addonBefore={t('journeys.fields.weight')}
                    style={{ width: 150 }}
                    onChange={(v) => onChange({ ...step, branches: step.branches.map((x, j) => (j === i ? { ...x, weight: typeof v === 'number' ? v : 1 } : x)) })}
                  />
                  <Button aria-label={t('journeys.fields.removeArm', { name: b.name })} icon={<DeleteOutlined />} disabled={ro || step.branches.length <= 2} onClick={() => props.onRemoveArm(i)} />
                </Space>
              ))}
              <Button
                icon={<PlusOutlined />}
                disabled={ro || step.branches.length >= 10}
                onClick={() => onChange({ ...step, branches: [...step.branches, { name: String.fromCharCode(65 + step.branches.length), weight: 1, next: '' }] })}
              >
                {t('journeys.fields.addArm')}
              </Button>
            </Space>
          </Form.Item>
        );
      case 'send': {
        const useTemplate = step.templateId !== undefined;
        return (
          <>
            <Form.Item label={t('journeys.fields.channel')} htmlFor={f('channel')} {...fieldStatus(error, 'channel')}>
              <Select id={f('channel')} disabled={ro} value={step.channel} options={sendChannels.map((c) => ({ value: c, label: t(`journeys.channels.${c}`) }))} onChange={(channel) => onChange({ ...step, channel })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.purpose')}>
              <Radio.Group disabled={ro} value={step.purpose} onChange={(e) => onChange({ ...step, purpose: e.target.value as 'marketing' | 'transactional' })} aria-label={t('journeys.fields.purpose')}>
                <Radio value="marketing">{t('journeys.purposes.marketing')}</Radio>
                <Radio value="transactional">{t('journeys.purposes.transactional')}</Radio>
              </Radio.Group>
            </Form.Item>
            <Form.Item label={t('journeys.fields.contentSource')}>
              <Radio.Group
                disabled={ro}
                value={useTemplate ? 'template' : 'inline'}
                aria-label={t('journeys.fields.contentSource')}
                onChange={(e) =>
                  onChange(
                    e.target.value === 'template'
                      ? { ...step, templateId: props.messageTemplates[0]?.id ?? 0, content: undefined }
                      : { ...step, templateId: undefined, content: step.content ?? { subject: '', text: '' } },
                  )
                }
              >
                <Radio value="inline">{t('journeys.fields.inline')}</Radio>
                <Radio value="template">{t('journeys.fields.template')}</Radio>
              </Radio.Group>
            </Form.Item>
            {useTemplate ? (
              <Form.Item label={t('journeys.fields.template')} htmlFor={f('template')} extra={props.messageTemplates.length === 0 ? t('journeys.fields.noTemplates') : undefined} {...fieldStatus(error, 'templateId')}>
                <Select id={f('template')} disabled={ro} value={step.templateId || undefined} options={props.messageTemplates.map((x) => ({ value: x.id, label: x.name }))} onChange={(templateId) => onChange({ ...step, templateId })} />
              </Form.Item>
            ) : (
              <>
                <Form.Item label={t('journeys.fields.subject')} htmlFor={f('subject')} {...fieldStatus(error, 'content.subject')}>
                  <Input id={f('subject')} disabled={ro} value={step.content?.subject ?? ''} onChange={(e) => onChange({ ...step, content: { text: step.content?.text ?? '', subject: e.target.value } })} />
                </Form.Item>
                <Form.Item label={t('journeys.fields.text')} htmlFor={f('text')} extra={t('journeys.fields.textHelp', { example: '{{ customer.name }}' })} {...fieldStatus(error, 'content.text', 'content', '')}>
                  <Input.TextArea id={f('text')} disabled={ro} autoSize={{ minRows: 3, maxRows: 8 }} value={step.content?.text ?? ''} onChange={(e) => onChange({ ...step, content: { ...step.content, text: e.target.value } })} />
                </Form.Item>
              </>
            )}
          </>
        );
      }
      case 'update':
        return (
          <>
            <Form.Item label={t('journeys.fields.addTags')} htmlFor={f('add')} {...fieldStatus(error, 'addTags', '')}>
              <TagsSelect id={f('add')} disabled={ro} tags={props.tags} value={step.addTags} onChange={(addTags) => onChange({ ...step, addTags })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.removeTags')} htmlFor={f('remove')} {...fieldStatus(error, 'removeTags')}>
              <TagsSelect id={f('remove')} disabled={ro} tags={props.tags} value={step.removeTags} onChange={(removeTags) => onChange({ ...step, removeTags })} />
            </Form.Item>
          </>
        );
      case 'grant_points':
        return (
          <>
            <Form.Item label={t('journeys.fields.points')} htmlFor={f('points')} {...fieldStatus(error, 'points', 'kind')}>
              <InputNumber id={f('points')} disabled={ro} min={1} precision={0} value={step.points} onChange={(v) => onChange({ ...step, points: typeof v === 'number' ? v : 0 })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.reason')} htmlFor={f('reason')} {...fieldStatus(error, 'reason')}>
              <Input id={f('reason')} disabled={ro} value={step.reason} onChange={(e) => onChange({ ...step, reason: e.target.value })} />
            </Form.Item>
          </>
        );
      case 'grant_coupon':
        return (
          <Form.Item
            label={t('journeys.fields.couponTemplate')}
            htmlFor={f('coupon')}
            extra={props.couponTemplates.length === 0 ? t('journeys.fields.noCouponTemplates') : undefined}
            {...fieldStatus(error, 'couponTemplateId', 'kind')}
          >
            <Select
              id={f('coupon')}
              disabled={ro}
              value={step.couponTemplateId || undefined}
              options={props.couponTemplates.map((x) => ({ value: x.id, label: x.name }))}
              onChange={(couponTemplateId) => onChange({ ...step, couponTemplateId })}
            />
          </Form.Item>
        );
      case 'webhook':
        return (
          <>
            <Form.Item label={t('journeys.fields.url')} htmlFor={f('url')} {...fieldStatus(error, 'url')}>
              <Input id={f('url')} disabled={ro} value={step.url} placeholder="https://" onChange={(e) => onChange({ ...step, url: e.target.value })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.secret')} htmlFor={f('secret')} extra={t('journeys.fields.secretHelp')} {...fieldStatus(error, 'secret')}>
              <Input.Password id={f('secret')} disabled={ro} value={step.secret} onChange={(e) => onChange({ ...step, secret: e.target.value })} />
            </Form.Item>
          </>
        );
      case 'task':
        return (
          <>
            <Form.Item label={t('journeys.fields.title')} htmlFor={f('title')} {...fieldStatus(error, 'title')}>
              <Input id={f('title')} disabled={ro} value={step.title} onChange={(e) => onChange({ ...step, title: e.target.value })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.assignee')} htmlFor={f('assignee')} {...fieldStatus(error, 'assignee')}>
              <Input id={f('assignee')} disabled={ro} value={step.assignee} onChange={(e) => onChange({ ...step, assignee: e.target.value })} />
            </Form.Item>
            <Form.Item label={t('journeys.fields.dueInDays')} htmlFor={f('due')} {...fieldStatus(error, 'dueInDays')}>
              <InputNumber id={f('due')} disabled={ro} min={0} max={365} precision={0} value={step.dueInDays} onChange={(v) => onChange({ ...step, dueInDays: typeof v === 'number' ? v : 0 })} />
            </Form.Item>
          </>
        );
      case 'exit':
        return <Typography.Paragraph type="secondary">{t('journeys.fields.exitHelp')}</Typography.Paragraph>;
      default:
        return null;
    }
  })();

  const outputs = outputsOf(step);
  return (
    <Form layout="vertical" requiredMark={false} data-testid="step-settings" onSubmitCapture={(e) => e.preventDefault()}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t(`journeys.kinds.${step.kind}`)} <Typography.Text type="secondary" style={{ fontSize: 13 }}>{id}</Typography.Text>
      </Typography.Title>
      {/* A complaint about one field is shown under that field; one about the step as a whole, here. */}
      {error && (error.field === '' || error.field === '__outputs' || !fieldShown(step, error.field)) ? (
        <Alert type="error" showIcon role="alert" message={error.message} style={{ marginBottom: 12 }} data-testid="panel-error" />
      ) : null}
      {body}
      {outputs.length > 0 ? (
        <fieldset className="patron-fieldset">
          <legend className="patron-journey-legend">{t('journeys.fields.thenGoTo')}</legend>
          {outputs.map((o) => (
            <Form.Item key={o.handle} label={o.labelKey ? t(`journeys.outputs.${o.labelKey}`) : o.label} htmlFor={f(`out-${o.handle}`)}>
              <Select
                id={f(`out-${o.handle}`)}
                disabled={ro}
                allowClear
                placeholder={t('journeys.fields.notConnected')}
                value={props.targets.get(o.handle)}
                options={props.stepIds.filter((s) => s !== id).map((s) => ({ value: s, label: s }))}
                onChange={(target?: string) => props.onConnect(o.handle, target)}
              />
            </Form.Item>
          ))}
        </fieldset>
      ) : null}
      {ro ? null : (
        <Button danger icon={<DeleteOutlined />} onClick={props.onRemove}>
          {t('journeys.removeStep')}
        </Button>
      )}
    </Form>
  );
}

/** The journey's trigger, re-entry, goal and time zone. */
export function TriggerSettings(props: {
  settings: JourneySettings;
  onChange: (settings: JourneySettings) => void;
  readOnly: boolean;
  error: PanelError | undefined;
  segments: readonly Segment[];
  entry: string | undefined;
  stepIds: readonly string[];
  onEntry: (target: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const { settings, onChange, readOnly: ro, error } = props;
  const trigger = settings.trigger;
  const setTrigger = (next: TriggerJson) => onChange({ ...settings, trigger: next });
  const firstSegment = props.segments[0]?.id ?? 0;
  const segmentOptions = props.segments.map((s) => ({ value: s.id, label: s.name }));
  const switchKind = (kind: TriggerJson['kind']) => {
    if (kind === 'event') setTrigger({ kind, event: '' });
    else if (kind === 'segment') setTrigger({ kind, segmentId: firstSegment, on: 'entry' });
    else if (kind === 'date') setTrigger({ kind, field: 'birthday' });
    else if (kind === 'schedule') setTrigger({ kind, cron: '0 10 * * 1', segmentId: firstSegment });
    else setTrigger({ kind: 'api' });
  };
  const segmentSelect = (value: number, onSelect: (id: number) => void) => (
    <Form.Item label={t('journeys.fields.segment')} htmlFor="trigger-segment" extra={props.segments.length === 0 ? t('journeys.fields.noSegments') : undefined} {...fieldStatus(error, 'trigger.segmentId')}>
      <Select id="trigger-segment" disabled={ro} value={value || undefined} options={segmentOptions} onChange={onSelect} />
    </Form.Item>
  );
  return (
    <Form layout="vertical" requiredMark={false} data-testid="trigger-settings" onSubmitCapture={(e) => e.preventDefault()}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('journeys.triggerTitle')}
      </Typography.Title>
      {error ? <Alert type="error" showIcon role="alert" message={error.message} style={{ marginBottom: 12 }} data-testid="panel-error" /> : null}
      <Form.Item label={t('journeys.fields.triggerKind')} htmlFor="trigger-kind">
        <Select id="trigger-kind" disabled={ro} value={trigger.kind} options={triggerKinds.map((k) => ({ value: k, label: t(`journeys.triggerKinds.${k}`) }))} onChange={switchKind} />
      </Form.Item>
      {trigger.kind === 'event' ? (
        <Form.Item label={t('journeys.fields.event')} htmlFor="trigger-event" extra={t('journeys.fields.eventHelp')} {...fieldStatus(error, 'trigger.event', 'trigger')}>
          <Input id="trigger-event" disabled={ro} value={trigger.event} placeholder="Signed Up" onChange={(e) => setTrigger({ ...trigger, event: e.target.value })} />
        </Form.Item>
      ) : null}
      {trigger.kind === 'segment' ? (
        <>
          {segmentSelect(trigger.segmentId, (segmentId) => setTrigger({ ...trigger, segmentId }))}
          <Form.Item label={t('journeys.fields.segmentOn')}>
            <Radio.Group disabled={ro} value={trigger.on} aria-label={t('journeys.fields.segmentOn')} onChange={(e) => setTrigger({ ...trigger, on: e.target.value as 'entry' | 'exit' })}>
              <Radio value="entry">{t('journeys.fields.onEntry')}</Radio>
              <Radio value="exit">{t('journeys.fields.onExit')}</Radio>
            </Radio.Group>
          </Form.Item>
        </>
      ) : null}
      {trigger.kind === 'date' ? (
        <>
          <Form.Item label={t('journeys.fields.dateField')} htmlFor="trigger-date-field">
            <Select id="trigger-date-field" disabled={ro} value={trigger.field} options={dateFields.map((d) => ({ value: d, label: t(`journeys.dateFields.${d}`) }))} onChange={(field) => setTrigger(field === 'days_after_last_order' ? { kind: 'date', field, days: 30 } : { kind: 'date', field })} />
          </Form.Item>
          {trigger.field === 'days_after_last_order' ? (
            <Form.Item label={t('journeys.fields.daysAfter')} htmlFor="trigger-days" {...fieldStatus(error, 'trigger.days')}>
              <InputNumber id="trigger-days" disabled={ro} min={1} precision={0} value={trigger.days ?? null} onChange={(v) => setTrigger({ ...trigger, days: typeof v === 'number' ? v : undefined })} />
            </Form.Item>
          ) : null}
        </>
      ) : null}
      {trigger.kind === 'schedule' ? (
        <>
          <Form.Item label={t('journeys.fields.cron')} htmlFor="trigger-cron" extra={t('journeys.fields.cronHelp')} {...fieldStatus(error, 'trigger.cron')}>
            <Input id="trigger-cron" disabled={ro} value={trigger.cron} onChange={(e) => setTrigger({ ...trigger, cron: e.target.value })} />
          </Form.Item>
          {segmentSelect(trigger.segmentId, (segmentId) => setTrigger({ ...trigger, segmentId }))}
        </>
      ) : null}
      {trigger.kind === 'api' ? <Typography.Paragraph type="secondary">{t('journeys.fields.apiHelp')}</Typography.Paragraph> : null}
      <Form.Item label={t('journeys.fields.firstStep')} htmlFor="trigger-entry" {...fieldStatus(error, 'entry')}>
        <Select id="trigger-entry" disabled={ro} allowClear placeholder={t('journeys.fields.notConnected')} value={props.entry} options={props.stepIds.map((s) => ({ value: s, label: s }))} onChange={(v?: string) => props.onEntry(v)} />
      </Form.Item>
      <Form.Item label={t('journeys.fields.reentry')} htmlFor="trigger-reentry" {...fieldStatus(error, 'reentry')}>
        <Select
          id="trigger-reentry"
          disabled={ro}
          value={settings.reentry.mode}
          options={(['never', 'after_exit', 'after_days'] as const).map((m) => ({ value: m, label: t(`journeys.reentry.${m}`) }))}
          onChange={(mode) => onChange({ ...settings, reentry: mode === 'after_days' ? { mode, days: 30 } : { mode } })}
        />
      </Form.Item>
      {settings.reentry.mode === 'after_days' ? (
        <Form.Item label={t('journeys.fields.reentryDays')} htmlFor="trigger-reentry-days">
          <InputNumber id="trigger-reentry-days" disabled={ro} min={1} precision={0} value={settings.reentry.days} onChange={(v) => onChange({ ...settings, reentry: { mode: 'after_days', days: typeof v === 'number' ? v : 1 } })} />
        </Form.Item>
      ) : null}
      <Form.Item label={t('journeys.fields.goal')} htmlFor="trigger-goal" extra={t('journeys.fields.goalHelp')} {...fieldStatus(error, 'goal')}>
        <Input id="trigger-goal" disabled={ro} value={settings.goal?.event ?? ''} placeholder="Order Completed" onChange={(e) => onChange({ ...settings, goal: { event: e.target.value } })} />
      </Form.Item>
      <Form.Item label={t('journeys.fields.timezone')}>
        <Radio.Group disabled={ro} value={settings.timezone} aria-label={t('journeys.fields.timezone')} onChange={(e) => onChange({ ...settings, timezone: e.target.value as 'customer' | 'workspace' })}>
          <Radio value="customer">{t('journeys.fields.customerZone')}</Radio>
          <Radio value="workspace">{t('journeys.fields.workspaceZone')}</Radio>
        </Radio.Group>
      </Form.Item>
    </Form>
  );
}
