import { ArrowLeftOutlined, EditOutlined, InboxOutlined, PauseCircleOutlined, PlayCircleOutlined, PlusOutlined, RocketOutlined, SaveOutlined } from '@ant-design/icons';
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { Alert, App, Button, Card, Input, Popconfirm, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/api-error.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchTags } from '../../api/customers-api.ts';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { journeyPath, journeysPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { JourneyCanvas } from './journey-canvas.tsx';
import {
  connect,
  countsByStep,
  defaultStep,
  emptyCanvas,
  entryHandle,
  errorTarget,
  fromGraphJson,
  messageOnNode,
  newStepId,
  outputsOf,
  paletteKinds,
  pruneEdges,
  removeSplitArm,
  stepSpacing,
  toGraphJson,
  triggerNodeId,
  type CanvasNode,
  type CanvasProblem,
  type CanvasState,
  type StepNode,
} from './journey-model.ts';
import {
  changeJourneyState,
  createJourney,
  fetchCouponTemplates,
  fetchJourney,
  fetchMessageTemplates,
  fetchStepCounts,
  updateJourney,
  type Journey,
  type JourneyAction,
  type StepJson,
  type StepKind,
} from './journeys-api.ts';
import { StepSettings, TriggerSettings, type PanelError } from './step-settings.tsx';
import { triggerText } from './step-text.ts';
import { stateColors } from './journeys-list-page.tsx';
import './journeys.css';

/** A new journey (no id) or a saved one: loads it, then the canvas editor. */
export function JourneyEditorPage({ journeyId }: { journeyId?: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const journey = useRequest(`journey|${journeyId ?? 'new'}`, () => (journeyId === undefined ? Promise.resolve(undefined) : fetchJourney(client, journeyId)));
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <AppLink href={journeysPath}>
        <ArrowLeftOutlined aria-hidden="true" /> {t('journeys.backToList')}
      </AppLink>
      {journey.error ? <ErrorAlert error={journey.error} title={t('journeys.loadFailed')} onRetry={journey.reload} /> : null}
      {journey.loading && !journey.data ? <Skeleton active paragraph={{ rows: 10 }} /> : null}
      {!journey.loading && !journey.error ? <JourneyEditor initial={journey.data} /> : null}
    </Space>
  );
}

/** The first output of a node that leads nowhere yet, for connecting a step added after it. */
function freeOutput(state: CanvasState, id: string): string | undefined {
  const used = new Set(state.edges.filter((e) => e.source === id).map((e) => e.sourceHandle));
  if (id === triggerNodeId) return used.has(entryHandle) ? undefined : entryHandle;
  const node = state.nodes.find((n) => n.id === id);
  if (!node || node.type !== 'step') return undefined;
  return outputsOf((node as StepNode).data.step).find((o) => !used.has(o.handle))?.handle;
}

function JourneyEditor({ initial }: { initial: Journey | undefined }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const locale = intlLocaleOf(useLanguage());
  const [journey, setJourney] = useState(initial);
  const [name, setName] = useState(initial?.name ?? '');
  const [canvas, setCanvas] = useState<CanvasState>(() => (initial ? fromGraphJson(initial.graph) : emptyCanvas()));
  const [selected, setSelected] = useState<string | undefined>(triggerNodeId);
  const [editingLive, setEditingLive] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [problems, setProblems] = useState<CanvasProblem[]>([]);
  const [serverError, setServerError] = useState<unknown>();
  const [nameError, setNameError] = useState<string>();

  const state = journey?.state ?? 'draft';
  const readOnly = state === 'archived' || ((state === 'live' || state === 'paused') && !editingLive);
  const showCounts = state !== 'draft';
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!showCounts) return;
    const timer = setInterval(() => setTick((n) => n + 1), 5_000);
    return () => clearInterval(timer);
  }, [showCounts]);
  const steps = useRequest(`journey-steps|${journey?.id ?? 0}|${showCounts}|${tick}`, () => (journey && showCounts ? fetchStepCounts(client, journey.id) : Promise.resolve(undefined)));
  const counts = useMemo(() => (steps.data ? countsByStep(steps.data) : undefined), [steps.data]);

  const segments = useRequest('segments', () => fetchSegments(client));
  const templates = useRequest('message-templates', () => fetchMessageTemplates(client));
  const coupons = useRequest('coupon-templates', () => fetchCouponTemplates(client));
  const tags = useRequest('tags', () => fetchTags(client));
  const segmentName = (id: number) => segments.data?.find((s) => s.id === id)?.name ?? `#${id}`;

  const stepIds = canvas.nodes.filter((n) => n.type === 'step').map((n) => n.id);
  const targetsOf = (id: string) => new Map(canvas.edges.filter((e) => e.source === id).map((e) => [e.sourceHandle ?? '', e.target]));

  // Problems on the nodes: the canvas's own (unconnected outputs) and the server's (one, naming its node).
  const apiError = serverError instanceof ApiError && serverError.code === 'invalid_input' ? serverError : undefined;
  const target = apiError ? errorTarget(apiError.details) : undefined;
  const errors = useMemo(() => {
    const map = new Map<string, string>();
    for (const p of problems) {
      const node = canvas.nodes.find((n) => n.id === p.nodeId);
      const output = p.nodeId === triggerNodeId ? t('journeys.outputs.entry') : node?.type === 'step' ? outputsOf((node as StepNode).data.step).find((o) => o.handle === p.handle) : undefined;
      const label = typeof output === 'string' ? output : output?.labelKey ? t(`journeys.outputs.${output.labelKey}`) : (output?.label ?? p.handle);
      map.set(p.nodeId, [map.get(p.nodeId), t('journeys.problems.unconnected', { output: label })].filter(Boolean).join(' '));
    }
    if (apiError && target?.kind === 'step') map.set(target.nodeId, messageOnNode(apiError.message));
    if (apiError && target?.kind === 'trigger') map.set(triggerNodeId, apiError.message);
    return map;
  }, [problems, apiError, target, canvas.nodes, t]);
  const panelError = (id: string): PanelError | undefined => {
    if (apiError && target?.kind === 'step' && target.nodeId === id) return { field: target.field, message: messageOnNode(apiError.message) };
    if (apiError && target?.kind === 'trigger' && id === triggerNodeId) return { field: target.field, message: apiError.message };
    const own = errors.get(id);
    return own ? { field: '__outputs', message: own } : undefined;
  };
  const otherError = serverError && !(apiError && target) ? serverError : undefined;

  const change = (next: CanvasState) => {
    setCanvas(next);
    setDirty(true);
    setServerError(undefined);
    setProblems([]);
  };
  const setStep = (id: string, step: StepJson) => {
    const nodes = canvas.nodes.map((n) => (n.id === id ? ({ ...n, data: { step } } as StepNode) : n));
    change({ ...canvas, nodes, edges: pruneEdges(nodes, canvas.edges) });
  };
  const removeStep = (id: string) => {
    const nodes = canvas.nodes.filter((n) => n.id !== id);
    change({ ...canvas, nodes, edges: pruneEdges(nodes, canvas.edges) });
    setSelected(triggerNodeId);
  };
  const connectOutput = (source: string, handle: string, targetId: string | undefined) => {
    const edges = targetId ? connect(canvas.edges, { source, sourceHandle: handle, target: targetId }) : canvas.edges.filter((e) => !(e.source === source && e.sourceHandle === handle));
    change({ ...canvas, edges });
  };
  const addStep = (kind: StepKind) => {
    const id = newStepId(kind, canvas.nodes.map((n) => n.id));
    const from = canvas.nodes.find((n) => n.id === selected);
    const handle = from ? freeOutput(canvas, from.id) : undefined;
    // Below the step it follows, under the output it hangs from (a branch's "no" to the right of its "yes").
    const arm = from?.type === 'step' && handle ? outputsOf((from as StepNode).data.step).findIndex((o) => o.handle === handle) : 0;
    const position = from ? { x: from.position.x + Math.max(0, arm) * stepSpacing.x, y: from.position.y + stepSpacing.y } : { x: 40, y: 40 + stepSpacing.y };
    const nodes: CanvasNode[] = [...canvas.nodes, { id, type: 'step', position, data: { step: defaultStep(kind) } }];
    const edges = from && handle ? connect(canvas.edges, { source: from.id, sourceHandle: handle, target: id }) : [...canvas.edges];
    change({ ...canvas, nodes, edges });
    setSelected(id);
  };

  const save = async (): Promise<Journey | undefined> => {
    if (name.trim() === '') {
      setNameError(t('journeys.nameRequired'));
      return undefined;
    }
    setNameError(undefined);
    const { graph, problems: found } = toGraphJson(canvas);
    setProblems(found);
    setServerError(undefined);
    if (found.length > 0) return undefined;
    try {
      const saved = journey ? await updateJourney(client, journey.id, { name: name.trim(), graph }) : await createJourney(client, { name: name.trim(), graph });
      setJourney(saved);
      setDirty(false);
      setEditingLive(false);
      if (!journey) navigate(journeyPath(saved.id), { replace: true });
      return saved;
    } catch (error) {
      setServerError(error);
      if (error instanceof ApiError && errorTarget(error.details)?.kind === 'name') setNameError(error.message);
      return undefined;
    }
  };
  const run = async (what: 'save' | JourneyAction) => {
    setBusy(what);
    try {
      if (what === 'save') {
        if (await save()) void message.success(t('journeys.saved'));
        return;
      }
      const current = dirty || !journey ? await save() : journey;
      if (!current) return;
      try {
        const next = await changeJourneyState(client, current.id, what);
        setJourney(next);
        setServerError(undefined);
        void message.success(t(`journeys.done.${what}`));
      } catch (error) {
        setServerError(error);
      }
    } finally {
      setBusy(undefined);
    }
  };

  const selectedNode = canvas.nodes.find((n) => n.id === selected);
  const summary = [...errors.entries()];
  return (
    <>
      <div className="patron-journey-header">
        <Space align="center" wrap>
          <Typography.Title level={2} style={{ margin: 0 }}>
            {journey ? journey.name : t('journeys.newTitle')}
          </Typography.Title>
          <Tag color={stateColors[state]} data-testid="journey-state">
            {t(`journeys.states.${state}`)}
          </Tag>
          {journey ? <Typography.Text type="secondary">{t('journeys.versionN', { version: journey.version })}</Typography.Text> : null}
          {dirty ? <Typography.Text type="warning">{t('journeys.unsaved')}</Typography.Text> : null}
        </Space>
        <Space wrap>
          {!readOnly ? (
            <Button icon={<SaveOutlined />} loading={busy === 'save'} disabled={Boolean(busy)} onClick={() => void run('save')}>
              {state === 'draft' ? t('journeys.saveDraft') : t('journeys.saveVersion')}
            </Button>
          ) : null}
          {state === 'draft' ? (
            <Button type="primary" icon={<RocketOutlined />} loading={busy === 'publish'} disabled={Boolean(busy)} onClick={() => void run('publish')}>
              {t('journeys.publish')}
            </Button>
          ) : null}
          {(state === 'live' || state === 'paused') && !editingLive ? (
            <Button icon={<EditOutlined />} onClick={() => setEditingLive(true)}>
              {t('journeys.editNewVersion')}
            </Button>
          ) : null}
          {state === 'live' && journey ? (
            <Button icon={<PauseCircleOutlined />} loading={busy === 'pause'} disabled={Boolean(busy)} onClick={() => void run('pause')}>
              {t('journeys.pause')}
            </Button>
          ) : null}
          {state === 'paused' && journey ? (
            <Button icon={<PlayCircleOutlined />} loading={busy === 'resume'} disabled={Boolean(busy)} onClick={() => void run('resume')}>
              {t('journeys.resume')}
            </Button>
          ) : null}
          {journey && state !== 'archived' ? (
            <Popconfirm title={t('journeys.archiveConfirm')} okText={t('journeys.archive')} cancelText={t('journeys.cancel')} onConfirm={() => void run('archive')}>
              <Button danger icon={<InboxOutlined />} disabled={Boolean(busy)}>
                {t('journeys.archive')}
              </Button>
            </Popconfirm>
          ) : null}
        </Space>
      </div>
      <div className="patron-journey-name">
        <label htmlFor="journey-name">{t('journeys.name')}</label>
        <Input id="journey-name" value={name} maxLength={200} disabled={readOnly} status={nameError ? 'error' : undefined} placeholder={t('journeys.namePlaceholder')} onChange={(e) => (setName(e.target.value), setDirty(true))} />
        {nameError ? (
          <Typography.Text type="danger" role="alert">
            {nameError}
          </Typography.Text>
        ) : null}
      </div>
      {readOnly && state !== 'archived' ? <Alert type="info" showIcon message={t('journeys.liveReadOnly')} /> : null}
      {editingLive ? <Alert type="warning" showIcon message={t('journeys.editingLive')} /> : null}
      {summary.length > 0 ? (
        <Alert
          type="error"
          showIcon
          data-testid="journey-problems"
          message={t('journeys.problems.title', { count: summary.length })}
          description={
            <ul className="patron-journey-problems">
              {summary.map(([id, text]) => (
                <li key={id}>
                  <Button type="link" size="small" onClick={() => setSelected(id)}>
                    {id === triggerNodeId ? t('journeys.triggerTitle') : id}
                  </Button>
                  {text}
                </li>
              ))}
            </ul>
          }
        />
      ) : null}
      {otherError ? <ErrorAlert error={otherError} title={t('journeys.actionFailed')} /> : null}
      {steps.error && showCounts ? <ErrorAlert error={steps.error} title={t('journeys.countsFailed')} onRetry={steps.reload} /> : null}
      <div className="patron-journey-editor">
        {readOnly ? null : (
          <Card size="small" title={t('journeys.palette')} className="patron-journey-palette">
            <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
              {t('journeys.paletteHelp')}
            </Typography.Paragraph>
            <div className="patron-journey-palette-list" role="group" aria-label={t('journeys.palette')}>
              {paletteKinds.map((kind) => (
                <Button key={kind} block icon={<PlusOutlined />} className={`patron-journey-palette-${kind}`} onClick={() => addStep(kind)} aria-label={t('journeys.addStep', { kind: t(`journeys.kinds.${kind}`) })}>
                  {t(`journeys.kinds.${kind}`)}
                </Button>
              ))}
            </div>
          </Card>
        )}
        <JourneyCanvas
          nodes={canvas.nodes}
          edges={canvas.edges}
          triggerText={triggerText(canvas.settings.trigger, t, segmentName)}
          errors={errors}
          counts={counts}
          readOnly={readOnly}
          locale={locale}
          selected={selected}
          onSelect={(id) => id && setSelected(id)}
          onNodesChange={(changes: NodeChange<CanvasNode>[]) => {
            const structural = changes.some((c) => c.type === 'remove' || c.type === 'add');
            if (readOnly && structural) return;
            const nodes = applyNodeChanges(changes, [...canvas.nodes]);
            if (structural) change({ ...canvas, nodes, edges: pruneEdges(nodes, canvas.edges) });
            else setCanvas({ ...canvas, nodes });
          }}
          onEdgesChange={(changes: EdgeChange[]) => {
            if (readOnly) return;
            const edges = applyEdgeChanges(changes, [...canvas.edges]);
            if (changes.some((c) => c.type === 'remove')) change({ ...canvas, edges });
            else setCanvas({ ...canvas, edges });
          }}
          onConnect={(c: Connection) => !readOnly && change({ ...canvas, edges: connect(canvas.edges, c) })}
        />
        <Card
          size="small"
          className="patron-journey-panel"
          data-testid="journey-panel"
          title={
            // The keyboard's way to pick a node: the canvas needs a pointer.
            <Select
              aria-label={t('journeys.showSettingsOf')}
              value={selected}
              style={{ width: '100%' }}
              options={canvas.nodes.map((n) => ({ value: n.id, label: n.type === 'trigger' ? t('journeys.triggerTitle') : `${t(`journeys.kinds.${(n as StepNode).data.step.kind}`)} · ${n.id}` }))}
              onChange={(id: string) => setSelected(id)}
            />
          }
        >
          {selectedNode?.type === 'trigger' ? (
            <TriggerSettings
              settings={canvas.settings}
              onChange={(settings) => change({ ...canvas, settings })}
              readOnly={readOnly}
              error={panelError(triggerNodeId)}
              segments={segments.data ?? []}
              entry={targetsOf(triggerNodeId).get(entryHandle)}
              stepIds={stepIds}
              onEntry={(target) => connectOutput(triggerNodeId, entryHandle, target)}
            />
          ) : null}
          {selectedNode?.type === 'step' ? (
            <StepSettings
              key={selectedNode.id}
              id={selectedNode.id}
              step={(selectedNode as StepNode).data.step}
              readOnly={readOnly}
              error={panelError(selectedNode.id)}
              onChange={(step) => setStep(selectedNode.id, step)}
              targets={targetsOf(selectedNode.id)}
              stepIds={stepIds}
              onConnect={(handle, target) => connectOutput(selectedNode.id, handle, target)}
              onRemove={() => removeStep(selectedNode.id)}
              onRemoveArm={(index) => {
                const step = (selectedNode as StepNode).data.step;
                if (step.kind !== 'split') return;
                const nodes = canvas.nodes.map((n) => (n.id === selectedNode.id ? ({ ...n, data: { step: { ...step, branches: step.branches.filter((_, i) => i !== index) } } } as StepNode) : n));
                change({ ...canvas, nodes, edges: removeSplitArm(canvas.edges, selectedNode.id, index) });
              }}
              messageTemplates={templates.data ?? []}
              couponTemplates={coupons.data ?? []}
              tags={(tags.data ?? []).map((x) => x.name)}
            />
          ) : null}
          {!selectedNode ? <Typography.Text type="secondary">{t('journeys.selectHint')}</Typography.Text> : null}
        </Card>
      </div>
    </>
  );
}
