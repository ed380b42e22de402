import { Background, Controls, Handle, MiniMap, Position, ReactFlow, useReactFlow, type Connection, type Edge, type EdgeChange, type Node, type NodeChange, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatCount } from '../../format/numbers.ts';
import type { StepCounts, StepJson } from './journeys-api.ts';
import { entryHandle, outputsOf, type CanvasNode } from './journey-model.ts';
import { stepText } from './step-text.ts';

/** What a node draws besides its step: its problem, the live counts, and the trigger's line. */
type StepView = Node<{ step: StepJson; error?: string; counts?: StepCounts; locale: string }, 'step'>;
type TriggerView = Node<{ text: string; error?: string }, 'trigger'>;

function StepNodeView({ id, data, selected }: NodeProps<StepView>) {
  const { t } = useTranslation();
  const { step, error, counts, locale } = data;
  const outputs = outputsOf(step);
  return (
    <div
      className={`patron-journey-node patron-journey-node-${step.kind}${error ? ' patron-journey-node-invalid' : ''}${selected ? ' patron-journey-node-selected' : ''}`}
      data-testid={`journey-node-${id}`}
      data-invalid={error ? 'true' : 'false'}
    >
      <Handle type="target" position={Position.Top} />
      <div className="patron-journey-node-kind">{t(`journeys.kinds.${step.kind}`)}</div>
      <div className="patron-journey-node-id">{id}</div>
      <div className="patron-journey-node-text">{stepText(step, t)}</div>
      {counts ? (
        <div className="patron-journey-node-counts" data-testid={`journey-node-counts-${id}`}>
          <span title={t('journeys.counts.currentHelp')}>{t('journeys.counts.current', { count: counts.current, value: formatCount(counts.current, locale) })}</span>
          <span title={t('journeys.counts.finishedHelp')}>{t('journeys.counts.finished', { value: formatCount(counts.finished, locale) })}</span>
          {counts.failed > 0 ? <span className="patron-journey-node-failed">{t('journeys.counts.failed', { value: formatCount(counts.failed, locale) })}</span> : null}
          {step.kind === 'send' ? <span>{t('journeys.counts.messages', { value: formatCount(counts.messages, locale) })}</span> : null}
        </div>
      ) : null}
      {error ? (
        <div className="patron-journey-node-error" role="alert" data-testid="node-error">
          {error}
        </div>
      ) : null}
      {outputs.length === 1 ? <Handle type="source" id={outputs[0]!.handle} position={Position.Bottom} /> : null}
      {outputs.length > 1 ? (
        <div className="patron-journey-node-outputs">
          {outputs.map((o) => (
            <div key={o.handle} className="patron-journey-node-output">
              <span>{o.labelKey ? t(`journeys.outputs.${o.labelKey}`) : o.label}</span>
              <Handle type="source" id={o.handle} position={Position.Bottom} />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function TriggerNodeView({ data, selected }: NodeProps<TriggerView>) {
  const { t } = useTranslation();
  return (
    <div className={`patron-journey-node patron-journey-node-trigger${data.error ? ' patron-journey-node-invalid' : ''}${selected ? ' patron-journey-node-selected' : ''}`} data-testid="journey-node-trigger" data-invalid={data.error ? 'true' : 'false'}>
      <div className="patron-journey-node-kind">{t('journeys.triggerTitle')}</div>
      <div className="patron-journey-node-text">{data.text}</div>
      {data.error ? (
        <div className="patron-journey-node-error" role="alert" data-testid="node-error">
          {data.error}
        </div>
      ) : null}
      <Handle type="source" id={entryHandle} position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { step: StepNodeView, trigger: TriggerNodeView };

/** Keeps every step in view as steps are added or removed (inside ReactFlow, where its instance is). */
function FitWhenStepsChange({ count }: { count: number }) {
  const flow = useReactFlow();
  useEffect(() => {
    // After the new node has been measured, or fitView would ignore it.
    const timer = setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1, duration: 200 }), 50);
    return () => clearTimeout(timer);
  }, [count, flow]);
  return null;
}

/** The journey canvas: steps as nodes with their outputs, drag to connect; read-only shows counts instead of editing. */
export function JourneyCanvas(props: {
  nodes: readonly CanvasNode[];
  edges: readonly Edge[];
  triggerText: string;
  errors: ReadonlyMap<string, string>;
  counts: ReadonlyMap<string, StepCounts> | undefined;
  readOnly: boolean;
  locale: string;
  selected: string | undefined;
  onSelect: (id: string | undefined) => void;
  onNodesChange: (changes: NodeChange<CanvasNode>[]) => void;
  onEdgesChange: (changes: EdgeChange[]) => void;
  onConnect: (connection: Connection) => void;
}) {
  const { t } = useTranslation();
  const { errors, counts, locale, selected } = props;
  const nodes = useMemo(
    () =>
      props.nodes.map((n): StepView | TriggerView =>
        n.type === 'trigger'
          ? { ...n, type: 'trigger', selected: n.id === selected, ariaLabel: t('journeys.triggerTitle'), data: { text: props.triggerText, ...(errors.has(n.id) ? { error: errors.get(n.id) } : {}) } }
          : {
              ...n,
              type: 'step',
              selected: n.id === selected,
              ariaLabel: `${t(`journeys.kinds.${n.data.step.kind}`)} ${n.id}`,
              data: { step: n.data.step, locale, ...(errors.has(n.id) ? { error: errors.get(n.id) } : {}), ...(counts ? { counts: counts.get(n.id) ?? { nodeId: n.id, current: 0, finished: 0, failed: 0, messages: 0 } } : {}) },
            },
      ),
    [props.nodes, props.triggerText, errors, counts, locale, selected, t],
  );
  return (
    <div className="patron-journey-canvas" data-testid="journey-canvas" aria-label={t('journeys.canvasLabel')} role="region">
      <ReactFlow<StepView | TriggerView>
        nodes={nodes}
        edges={[...props.edges]}
        nodeTypes={nodeTypes}
        onNodesChange={(changes) => props.onNodesChange(changes as NodeChange<CanvasNode>[])}
        onEdgesChange={props.onEdgesChange}
        onConnect={props.onConnect}
        onNodeClick={(_, node) => props.onSelect(node.id)}
        onPaneClick={() => props.onSelect(undefined)}
        nodesConnectable={!props.readOnly}
        edgesFocusable={!props.readOnly}
        deleteKeyCode={props.readOnly ? null : ['Delete', 'Backspace']}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable position="top-right" ariaLabel={t('journeys.minimap')} style={{ width: 160, height: 110 }} />
        <FitWhenStepsChange count={props.nodes.length} />
      </ReactFlow>
    </div>
  );
}
