import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Dropdown, Input, InputNumber, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { createContext, useContext, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogueField, SegmentCatalogue } from '../../api/segments-api.ts';
import {
  appendChild,
  comparisonOps,
  conditionNode,
  consentChannels,
  consentOps,
  consentPurposes,
  defaultCondition,
  emptyGroup,
  fieldCondition,
  groupDepth,
  groupTypes,
  identityTypes,
  moveNode,
  ordersMeasures,
  propertyOps,
  removeNode,
  timeUnits,
  updateNode,
  valueShape,
  type ConditionJson,
  type ConditionState,
  type GroupState,
  type GroupType,
  type NodeState,
  type ValueShape,
} from './rule-model.ts';
import './segments.css';

/** The rule's problem as the API described it, placed on a row of the builder. */
export interface BuilderError {
  readonly nodeId: string;
  /** What is wrong inside the row ("value", "where[0].value"); '' for the row as a whole. */
  readonly field: string;
  readonly message: string;
}

interface BuilderContext {
  readonly root: GroupState;
  readonly onChange: (root: GroupState) => void;
  readonly catalogue: SegmentCatalogue;
  readonly tags: readonly string[];
  readonly segments: readonly { readonly id: number; readonly name: string }[];
  readonly error: BuilderError | undefined;
  readonly readOnly: boolean;
  /** The workspace currency's symbol, before money inputs (rule money is in major units). */
  readonly currencySymbol: string;
}

const Ctx = createContext<BuilderContext | null>(null);
const useBuilder = (): BuilderContext => {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('builder parts are used outside RuleBuilder');
  return ctx;
};

/**
 * The visual rule builder: nested all/any/none groups of conditions of every kind, driven by the
 * catalogue. Every input has a label (visible or aria-label) and is reachable by keyboard; the row an
 * API error is about is outlined and shows the message under it. Read-only, it shows a saved rule.
 */
export function RuleBuilder(props: Omit<BuilderContext, 'readOnly' | 'error'> & { readOnly?: boolean; error?: BuilderError }) {
  return (
    <Ctx.Provider value={{ ...props, readOnly: props.readOnly ?? false, error: props.error }}>
      <div className="patron-rule-builder" data-testid="rule-builder">
        <GroupEditor group={props.root} depth={1} />
      </div>
    </Ctx.Provider>
  );
}

function RowError({ nodeId }: { nodeId: string }) {
  const { t } = useTranslation();
  const { error } = useBuilder();
  if (!error || error.nodeId !== nodeId) return null;
  // The server's words say exactly what is wrong (in English); the title says it in the console language.
  return <Alert className="patron-rule-error" type="error" showIcon role="alert" message={t('segments.builder.rowProblem')} description={error.message} data-testid="rule-row-error" />;
}

function RowActions({ node, label }: { node: NodeState; label: string }) {
  const { t } = useTranslation();
  const { root, onChange, readOnly } = useBuilder();
  if (readOnly) return null;
  return (
    <Space size={2} className="patron-rule-actions">
      <Tooltip title={t('segments.builder.moveUp')}>
        <Button size="small" type="text" icon={<ArrowUpOutlined />} aria-label={`${t('segments.builder.moveUp')}: ${label}`} onClick={() => onChange(moveNode(root, node.id, -1))} />
      </Tooltip>
      <Tooltip title={t('segments.builder.moveDown')}>
        <Button size="small" type="text" icon={<ArrowDownOutlined />} aria-label={`${t('segments.builder.moveDown')}: ${label}`} onClick={() => onChange(moveNode(root, node.id, 1))} />
      </Tooltip>
      <Tooltip title={t('segments.builder.remove')}>
        <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={`${t('segments.builder.remove')}: ${label}`} onClick={() => onChange(removeNode(root, node.id))} />
      </Tooltip>
    </Space>
  );
}

function GroupEditor({ group, depth }: { group: GroupState; depth: number }) {
  const { t } = useTranslation();
  const { root, onChange, catalogue, tags, segments, error, readOnly } = useBuilder();
  const isRoot = group.id === root.id;
  const canNest = groupDepth(root, group.id) < catalogue.limits.depth;
  const add = (child: NodeState) => onChange(appendChild(root, group.id, child));
  const label = t('segments.builder.groupLabel', { depth });
  const context = { fields: catalogue.fields, tags, segmentIds: segments.map((s) => s.id) };
  return (
    <section
      className={`patron-rule-group patron-rule-group-${group.type}${error?.nodeId === group.id ? ' patron-rule-invalid' : ''}`}
      aria-label={label}
      data-testid={isRoot ? 'rule-root' : 'rule-group'}
    >
      <div className="patron-rule-group-head">
        <Space wrap>
          <Select<GroupType>
            aria-label={t('segments.builder.matchLabel')}
            value={group.type}
            disabled={readOnly}
            style={{ width: 220 }}
            options={groupTypes.map((type) => ({ value: type, label: t(`segments.builder.match.${type}`) }))}
            onChange={(type) => onChange(updateNode(root, group.id, (n) => (n.node === 'group' ? { ...n, type } : n)))}
          />
          {readOnly ? null : (
            <>
              <Dropdown
                trigger={['click']}
                menu={{
                  items: catalogue.conditionKinds.map((kind) => ({ key: kind, label: t(`segments.kinds.${kind}`, { defaultValue: kind }) })),
                  onClick: ({ key }) => add(conditionNode(defaultCondition(key, context))),
                }}
              >
                <Button icon={<PlusOutlined />} aria-haspopup="menu">
                  {t('segments.builder.addCondition')}
                </Button>
              </Dropdown>
              <Tooltip title={canNest ? undefined : t('segments.builder.tooDeep', { depth: catalogue.limits.depth })}>
                <Button icon={<PlusOutlined />} disabled={!canNest} onClick={() => add(emptyGroup('any'))}>
                  {t('segments.builder.addGroup')}
                </Button>
              </Tooltip>
            </>
          )}
        </Space>
        {isRoot ? null : <RowActions node={group} label={label} />}
      </div>
      <RowError nodeId={group.id} />
      {group.children.length === 0 ? (
        <Typography.Text type="secondary" className="patron-rule-empty">
          {isRoot ? t('segments.builder.emptyRoot') : t('segments.builder.emptyGroup')}
        </Typography.Text>
      ) : (
        <ol className="patron-rule-children">
          {group.children.map((child, i) => (
            <li key={child.id}>
              {i > 0 ? (
                <span className="patron-rule-joiner" aria-hidden="true">
                  {t(`segments.builder.joiner.${group.type}`)}
                </span>
              ) : null}
              {child.node === 'group' ? <GroupEditor group={child} depth={depth + 1} /> : <ConditionRow node={child} />}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function ConditionRow({ node }: { node: ConditionState }) {
  const { t } = useTranslation();
  const { root, onChange, error } = useBuilder();
  const kind = String(node.condition.kind ?? '');
  const label = t(`segments.kinds.${kind}`, { defaultValue: kind });
  const set = (condition: ConditionJson) => onChange(updateNode(root, node.id, (n) => (n.node === 'condition' ? { ...n, condition } : n)));
  // The part of the row the error names (its first key: "value" of "value[1]") is outlined too.
  const invalid = error?.nodeId === node.id ? error.field.split(/[.[]/)[0] : undefined;
  const editors: Record<string, (p: EditorProps) => ReactNode> = {
    field: FieldEditor,
    attribute: AttributeEditor,
    tag: TagEditor,
    identity: IdentityEditor,
    consent: ConsentEditor,
    event: EventEditor,
    orders: OrdersEditor,
    purchased: PurchasedEditor,
    segment: SegmentEditor,
  };
  const Editor = editors[kind];
  return (
    <div className={`patron-rule-condition${error?.nodeId === node.id ? ' patron-rule-invalid' : ''}`} role="group" aria-label={label} data-testid="rule-condition">
      <div className="patron-rule-condition-body">
        <Tag bordered={false} color="blue" className="patron-rule-kind">
          {label}
        </Tag>
        <div className="patron-rule-inputs">{Editor ? <Editor condition={node.condition} set={set} invalid={invalid} /> : <code>{JSON.stringify(node.condition)}</code>}</div>
        <RowActions node={node} label={label} />
      </div>
      <RowError nodeId={node.id} />
    </div>
  );
}

interface EditorProps {
  readonly condition: ConditionJson;
  readonly set: (condition: ConditionJson) => void;
  /** The key of the condition the API found wrong. */
  readonly invalid: string | undefined;
}

const status = (invalid: string | undefined, ...keys: string[]) => (invalid !== undefined && keys.includes(invalid) ? ('error' as const) : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A select of fixed choices whose labels come from `segments.<group>.<value>`. */
function Choice<T extends string>(props: {
  label: string;
  value: T;
  options: readonly T[];
  group: string;
  onChange: (v: T) => void;
  width?: number;
  invalid?: boolean;
  labelOf?: (v: T) => string;
}) {
  const { t } = useTranslation();
  const { readOnly } = useBuilder();
  return (
    <Select<T>
      aria-label={props.label}
      value={props.value}
      disabled={readOnly}
      status={props.invalid ? 'error' : undefined}
      style={{ minWidth: props.width ?? 130 }}
      popupMatchSelectWidth={false}
      options={props.options.map((o) => ({ value: o, label: props.labelOf ? props.labelOf(o) : t(`segments.${props.group}.${o}`, { defaultValue: o }) }))}
      onChange={props.onChange}
    />
  );
}

function Amount(props: { label: string; value: number | null; onChange: (v: number | null) => void; money?: boolean; min?: number; max?: number; invalid?: boolean; width?: number; placeholder?: string }) {
  const { readOnly, currencySymbol } = useBuilder();
  return (
    <InputNumber
      aria-label={props.label}
      value={props.value}
      disabled={readOnly}
      status={props.invalid ? 'error' : undefined}
      min={props.min}
      max={props.max}
      prefix={props.money ? currencySymbol : undefined}
      placeholder={props.placeholder}
      style={{ width: props.width ?? 120 }}
      onChange={(v) => props.onChange(typeof v === 'number' ? v : null)}
    />
  );
}

function DateInput(props: { label: string; value: string; onChange: (v: string) => void; invalid?: boolean }) {
  const { readOnly } = useBuilder();
  return <Input type="date" aria-label={props.label} value={props.value} disabled={readOnly} status={props.invalid ? 'error' : undefined} style={{ width: 150 }} onChange={(e) => props.onChange(e.target.value)} />;
}

function TextInput(props: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; invalid?: boolean; width?: number }) {
  const { readOnly } = useBuilder();
  return (
    <Input
      aria-label={props.label}
      value={props.value}
      placeholder={props.placeholder}
      disabled={readOnly}
      status={props.invalid ? 'error' : undefined}
      style={{ width: props.width ?? 180 }}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

/** A list of free values (tags mode) or of fixed ones. */
function ListInput(props: { label: string; value: unknown; onChange: (v: string[]) => void; options?: readonly { value: string; label: string }[]; invalid?: boolean; placeholder?: string }) {
  const { readOnly } = useBuilder();
  const values = Array.isArray(props.value) ? props.value.map(String) : [];
  return (
    <Select<string[]>
      aria-label={props.label}
      mode={props.options ? 'multiple' : 'tags'}
      value={values}
      disabled={readOnly}
      status={props.invalid ? 'error' : undefined}
      placeholder={props.placeholder}
      tokenSeparators={props.options ? undefined : [',', '，']}
      options={props.options ? [...props.options] : []}
      notFoundContent={props.options ? undefined : null}
      style={{ minWidth: 220 }}
      onChange={props.onChange}
    />
  );
}

/** The value input for a field or attribute operator. */
function ValueInput(props: { shape: ValueShape; type: string; value: unknown; onChange: (v: unknown) => void; enumOptions?: readonly { value: string; label: string }[]; invalid?: boolean }) {
  const { t } = useTranslation();
  const { shape, value, onChange, invalid } = props;
  const money = props.type === 'money';
  const numeric = money || props.type === 'number';
  const label = t('segments.builder.value');
  switch (shape) {
    case 'none':
      return null;
    case 'scalar':
      if (props.enumOptions) {
        const labels = new Map(props.enumOptions.map((o) => [o.value, o.label]));
        return <Choice label={label} value={str(value)} options={props.enumOptions.map((o) => o.value)} group="enum" labelOf={(v) => labels.get(v) ?? v} onChange={onChange} invalid={invalid} width={160} />;
      }
      return numeric ? <Amount label={label} value={num(value)} money={money} onChange={onChange} invalid={invalid} /> : <TextInput label={label} value={str(value)} onChange={onChange} invalid={invalid} />;
    case 'list':
      return <ListInput label={label} value={value} options={props.enumOptions} onChange={onChange} invalid={invalid} placeholder={t('segments.builder.listPlaceholder')} />;
    case 'range': {
      const [low, high] = Array.isArray(value) ? value : [null, null];
      return (
        <Space size={4}>
          <Amount label={t('segments.builder.from')} value={num(low)} money={money} onChange={(v) => onChange([v, high])} invalid={invalid} />
          <span aria-hidden="true">–</span>
          <Amount label={t('segments.builder.to')} value={num(high)} money={money} onChange={(v) => onChange([low, v])} invalid={invalid} />
        </Space>
      );
    }
    case 'date':
      return <DateInput label={label} value={str(value)} onChange={onChange} invalid={invalid} />;
    case 'dateRange': {
      const [from, to] = Array.isArray(value) ? value : ['', ''];
      return (
        <Space size={4}>
          <DateInput label={t('segments.builder.from')} value={str(from)} onChange={(v) => onChange([v, to])} invalid={invalid} />
          <span aria-hidden="true">–</span>
          <DateInput label={t('segments.builder.to')} value={str(to)} onChange={(v) => onChange([from, v])} invalid={invalid} />
        </Space>
      );
    }
    case 'relative': {
      const rel = (typeof value === 'object' && value !== null ? value : {}) as { amount?: unknown; unit?: unknown };
      return (
        <Space size={4}>
          <Amount label={t('segments.builder.amount')} value={num(rel.amount)} min={1} max={3650} width={90} onChange={(v) => onChange({ amount: v, unit: rel.unit ?? 'days' })} invalid={invalid} />
          <Choice label={t('segments.builder.unit')} value={str(rel.unit) || 'days'} options={timeUnits} group="units" width={90} onChange={(unit) => onChange({ amount: rel.amount, unit })} />
        </Space>
      );
    }
    case 'days':
      return (
        <Space size={4}>
          <Amount label={t('segments.builder.days')} value={num(value)} min={0} max={365} width={90} onChange={onChange} invalid={invalid} />
          <span>{t('segments.units.days')}</span>
        </Space>
      );
  }
}

function FieldEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { catalogue, readOnly } = useBuilder();
  const field: CatalogueField | undefined = catalogue.fields.find((f) => f.name === condition.field);
  const op = str(condition.op);
  const sources = ['profile', 'scores', 'orders'] as const;
  const enumOptions = field?.values?.map((v) => ({ value: v, label: t(`segments.enum.${field.name}.${v}`, { defaultValue: v }) }));
  return (
    <>
      <Select<string>
        aria-label={t('segments.builder.field')}
        showSearch
        optionFilterProp="label"
        value={field?.name ?? str(condition.field)}
        disabled={readOnly}
        status={status(invalid, 'field')}
        style={{ width: 200 }}
        popupMatchSelectWidth={false}
        options={sources.map((source) => ({
          label: t(`segments.sources.${source}`),
          options: catalogue.fields.filter((f) => f.source === source).map((f) => ({ value: f.name, label: t(`segments.fields.${f.name}`, { defaultValue: f.label }) })),
        }))}
        onChange={(name) => {
          const next = catalogue.fields.find((f) => f.name === name);
          if (next) set(fieldCondition(next, op, next.type === field?.type ? condition.value : undefined));
        }}
      />
      {field ? (
        <>
          <Select<string>
            aria-label={t('segments.builder.operator')}
            value={op}
            disabled={readOnly}
            status={status(invalid, 'op')}
            style={{ minWidth: 150 }}
            popupMatchSelectWidth={false}
            options={field.operators.map((o) => ({ value: o, label: t(`segments.ops.${o}`, { defaultValue: o }) }))}
            onChange={(next) => set(fieldCondition(field, next, condition.value))}
          />
          <ValueInput
            shape={valueShape(field.type, op)}
            type={field.type}
            value={condition.value}
            enumOptions={field.type === 'enum' ? enumOptions : undefined}
            invalid={status(invalid, 'value') === 'error'}
            onChange={(value) => set({ ...condition, value })}
          />
        </>
      ) : null}
    </>
  );
}

function AttributeEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { catalogue } = useBuilder();
  const type = (['text', 'number', 'boolean'] as const).find((x) => x === condition.type) ?? 'text';
  const ops = catalogue.attributeOperators[type];
  const op = str(condition.op);
  const withOp = (nextType: typeof type, nextOp: string) => {
    const shape = valueShape(nextType === 'number' ? 'number' : nextType === 'boolean' ? 'boolean' : 'text', nextOp);
    const value = shape === 'none' ? undefined : shape === 'list' ? [] : shape === 'range' ? [0, 100] : nextType === 'number' ? 0 : '';
    return { kind: 'attribute', key: condition.key, type: nextType, op: nextOp, ...(value === undefined ? {} : { value }) };
  };
  return (
    <>
      <TextInput label={t('segments.builder.attributeKey')} placeholder={t('segments.builder.attributeKeyPlaceholder')} value={str(condition.key)} invalid={status(invalid, 'key') === 'error'} width={160} onChange={(key) => set({ ...condition, key })} />
      <Choice label={t('segments.builder.attributeType')} value={type} options={['text', 'number', 'boolean'] as const} group="attributeTypes" width={100} onChange={(next) => set(withOp(next, catalogue.attributeOperators[next][0]!))} />
      <Choice label={t('segments.builder.operator')} value={op} options={ops} group="ops" invalid={status(invalid, 'op') === 'error'} onChange={(next) => set(withOp(type, next))} />
      <ValueInput shape={valueShape(type, op)} type={type} value={condition.value} invalid={status(invalid, 'value') === 'error'} onChange={(value) => set({ ...condition, value })} />
    </>
  );
}

function TagEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { tags, readOnly } = useBuilder();
  return (
    <>
      <Choice label={t('segments.builder.operator')} value={str(condition.op) as 'has' | 'has_not'} options={['has', 'has_not'] as const} group="ops" onChange={(op) => set({ ...condition, op })} />
      <Select<string>
        aria-label={t('segments.kinds.tag')}
        showSearch
        value={str(condition.tag) || undefined}
        placeholder={t('segments.builder.tagPlaceholder')}
        disabled={readOnly}
        status={status(invalid, 'tag')}
        style={{ minWidth: 180 }}
        options={tags.map((tag) => ({ value: tag, label: tag }))}
        notFoundContent={t('segments.builder.noTags')}
        onChange={(tag) => set({ ...condition, tag })}
      />
    </>
  );
}

function IdentityEditor({ condition, set }: EditorProps) {
  const { t } = useTranslation();
  return (
    <>
      <Choice label={t('segments.builder.identityType')} value={str(condition.type) as (typeof identityTypes)[number]} options={identityTypes} group="identityTypes" width={160} onChange={(type) => set({ ...condition, type })} />
      <Choice label={t('segments.builder.operator')} value={str(condition.op) as 'present' | 'absent'} options={['present', 'absent'] as const} group="ops" onChange={(op) => set({ ...condition, op })} />
    </>
  );
}

function ConsentEditor({ condition, set }: EditorProps) {
  const { t } = useTranslation();
  return (
    <>
      <Choice label={t('segments.builder.channel')} value={str(condition.channel) as (typeof consentChannels)[number]} options={consentChannels} group="channels" onChange={(channel) => set({ ...condition, channel })} />
      <Choice label={t('segments.builder.purpose')} value={(str(condition.purpose) || 'marketing') as (typeof consentPurposes)[number]} options={consentPurposes} group="purposes" onChange={(purpose) => set({ ...condition, purpose })} />
      <Choice label={t('segments.builder.operator')} value={str(condition.op) as (typeof consentOps)[number]} options={consentOps} group="ops" width={150} onChange={(op) => set({ ...condition, op })} />
    </>
  );
}

/** The time window of an event, orders or purchase condition: any time, the last N units, or between two dates. */
function WindowInput({ value, onChange, invalid }: { value: unknown; onChange: (w: unknown) => void; invalid?: boolean }) {
  const { t } = useTranslation();
  const w = (typeof value === 'object' && value !== null ? value : undefined) as { last?: unknown; unit?: unknown; from?: unknown; to?: unknown } | undefined;
  const mode = w === undefined ? 'ever' : 'from' in w ? 'between' : 'last';
  const today = new Date().toISOString().slice(0, 10);
  return (
    <Space size={4} wrap>
      <Choice
        label={t('segments.builder.window')}
        value={mode as 'ever' | 'last' | 'between'}
        options={['ever', 'last', 'between'] as const}
        group="windows"
        width={110}
        invalid={invalid}
        onChange={(m) => onChange(m === 'ever' ? undefined : m === 'last' ? { last: 30, unit: 'days' } : { from: today, to: today })}
      />
      {mode === 'last' ? (
        <>
          <Amount label={t('segments.builder.amount')} value={num(w?.last)} min={1} max={3650} width={90} invalid={invalid} onChange={(last) => onChange({ last, unit: w?.unit ?? 'days' })} />
          <Choice label={t('segments.builder.unit')} value={str(w?.unit) || 'days'} options={timeUnits} group="units" width={90} onChange={(unit) => onChange({ last: w?.last, unit })} />
        </>
      ) : null}
      {mode === 'between' ? (
        <>
          <DateInput label={t('segments.builder.from')} value={str(w?.from)} invalid={invalid} onChange={(from) => onChange({ from, to: w?.to })} />
          <DateInput label={t('segments.builder.to')} value={str(w?.to)} invalid={invalid} onChange={(to) => onChange({ from: w?.from, to })} />
        </>
      ) : null}
    </Space>
  );
}

function EventEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { readOnly } = useBuilder();
  const did = condition.op !== 'did_not';
  const where = Array.isArray(condition.where) ? (condition.where as Record<string, unknown>[]) : [];
  const setWhere = (next: Record<string, unknown>[]) => set({ ...condition, where: next.length > 0 ? next : undefined });
  return (
    <Space direction="vertical" size={6}>
      <Space wrap size={6}>
        <TextInput label={t('segments.builder.eventName')} placeholder={t('segments.builder.eventNamePlaceholder')} value={str(condition.name)} invalid={status(invalid, 'name') === 'error'} onChange={(name) => set({ ...condition, name })} />
        <Choice
          label={t('segments.builder.operator')}
          value={str(condition.op) as 'did' | 'did_not'}
          options={['did', 'did_not'] as const}
          group="ops"
          onChange={(op) => set({ ...condition, op, ...(op === 'did_not' ? { atLeast: undefined, atMost: undefined } : {}) })}
        />
        {did ? (
          <>
            <Amount label={t('segments.builder.atLeast')} placeholder={t('segments.builder.atLeast')} value={num(condition.atLeast)} min={1} width={130} invalid={status(invalid, 'atLeast') === 'error'} onChange={(v) => set({ ...condition, atLeast: v ?? undefined })} />
            <Amount label={t('segments.builder.atMost')} placeholder={t('segments.builder.atMost')} value={num(condition.atMost)} min={0} width={130} invalid={status(invalid, 'atMost') === 'error'} onChange={(v) => set({ ...condition, atMost: v ?? undefined })} />
          </>
        ) : null}
        <WindowInput value={condition.window} invalid={status(invalid, 'window') === 'error'} onChange={(window) => set({ ...condition, window })} />
      </Space>
      {where.map((filter, i) => (
        <Space key={i} wrap size={6} className="patron-rule-where">
          <Typography.Text type="secondary">{t('segments.builder.where')}</Typography.Text>
          <TextInput label={t('segments.builder.property')} value={str(filter.property)} width={140} invalid={status(invalid, 'where') === 'error'} onChange={(property) => setWhere(where.map((f, j) => (j === i ? { ...f, property } : f)))} />
          <Choice
            label={t('segments.builder.operator')}
            value={str(filter.op) as (typeof propertyOps)[number]}
            options={propertyOps}
            group="ops"
            onChange={(op) => setWhere(where.map((f, j) => (j === i ? { property: f.property, op, ...(op === 'exists' ? {} : op === 'in' ? { value: [] } : { value: ['gt', 'gte', 'lt', 'lte'].includes(op) ? 0 : '' }) } : f)))}
          />
          {filter.op === 'exists' ? null : filter.op === 'in' ? (
            <ListInput label={t('segments.builder.value')} value={filter.value} onChange={(value) => setWhere(where.map((f, j) => (j === i ? { ...f, value } : f)))} />
          ) : ['gt', 'gte', 'lt', 'lte'].includes(str(filter.op)) ? (
            <Amount label={t('segments.builder.value')} value={num(filter.value)} onChange={(value) => setWhere(where.map((f, j) => (j === i ? { ...f, value } : f)))} />
          ) : (
            <TextInput label={t('segments.builder.value')} value={typeof filter.value === 'number' ? String(filter.value) : str(filter.value)} width={140} onChange={(value) => setWhere(where.map((f, j) => (j === i ? { ...f, value } : f)))} />
          )}
          {readOnly ? null : (
            <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('segments.builder.removeWhere')} onClick={() => setWhere(where.filter((_, j) => j !== i))} />
          )}
        </Space>
      ))}
      {readOnly ? null : (
        <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => setWhere([...where, { property: '', op: 'eq', value: '' }])}>
          {t('segments.builder.addWhere')}
        </Button>
      )}
    </Space>
  );
}

function OrdersEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { readOnly } = useBuilder();
  // A saved rule shows the channel and store limits only when it has them.
  const showLimits = !readOnly || condition.channels !== undefined || condition.stores !== undefined;
  const measure = str(condition.measure) as (typeof ordersMeasures)[number];
  const money = measure !== 'count';
  const op = str(condition.op) as (typeof comparisonOps)[number];
  const value = condition.value;
  const range = Array.isArray(value) ? value : undefined;
  return (
    <Space direction="vertical" size={6}>
      <Space wrap size={6}>
        <Choice label={t('segments.builder.measure')} value={measure} options={ordersMeasures} group="measures" width={140} onChange={(m) => set({ ...condition, measure: m })} />
        <Choice
          label={t('segments.builder.operator')}
          value={op}
          options={comparisonOps}
          group="ops"
          onChange={(next) => set({ ...condition, op: next, value: next === 'between' ? (range ?? [typeof value === 'number' ? value : 0, 100]) : (range?.[0] ?? value) })}
        />
        {range ? (
          <Space size={4}>
            <Amount label={t('segments.builder.from')} value={num(range[0])} money={money} invalid={status(invalid, 'value') === 'error'} onChange={(v) => set({ ...condition, value: [v, range[1]] })} />
            <span aria-hidden="true">–</span>
            <Amount label={t('segments.builder.to')} value={num(range[1])} money={money} invalid={status(invalid, 'value') === 'error'} onChange={(v) => set({ ...condition, value: [range[0], v] })} />
          </Space>
        ) : (
          <Amount label={t('segments.builder.value')} value={num(value)} money={money} invalid={status(invalid, 'value') === 'error'} onChange={(v) => set({ ...condition, value: v })} />
        )}
        <WindowInput value={condition.window} invalid={status(invalid, 'window') === 'error'} onChange={(window) => set({ ...condition, window })} />
      </Space>
      {showLimits ? (
        <Space wrap size={6}>
          <ListInput label={t('segments.builder.channels')} placeholder={t('segments.builder.channels')} value={condition.channels} invalid={status(invalid, 'channels') === 'error'} onChange={(v) => set({ ...condition, channels: v.length > 0 ? v : undefined })} />
          <ListInput label={t('segments.builder.stores')} placeholder={t('segments.builder.stores')} value={condition.stores} invalid={status(invalid, 'stores') === 'error'} onChange={(v) => set({ ...condition, stores: v.length > 0 ? v : undefined })} />
        </Space>
      ) : null}
    </Space>
  );
}

function PurchasedEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  return (
    <Space wrap size={6}>
      <Choice label={t('segments.builder.operator')} value={str(condition.op) as 'did' | 'did_not'} options={['did', 'did_not'] as const} group="purchasedOps" onChange={(op) => set({ ...condition, op })} />
      <ListInput
        label={t('segments.builder.categories')}
        placeholder={t('segments.builder.categories')}
        value={condition.categories}
        invalid={status(invalid, 'categories', '') === 'error'}
        onChange={(v) => set({ ...condition, categories: v.length > 0 ? v : undefined })}
      />
      <ListInput label={t('segments.builder.skus')} placeholder={t('segments.builder.skus')} value={condition.skus} invalid={status(invalid, 'skus') === 'error'} onChange={(v) => set({ ...condition, skus: v.length > 0 ? v : undefined })} />
      <WindowInput value={condition.window} invalid={status(invalid, 'window') === 'error'} onChange={(window) => set({ ...condition, window })} />
    </Space>
  );
}

function SegmentEditor({ condition, set, invalid }: EditorProps) {
  const { t } = useTranslation();
  const { segments, readOnly } = useBuilder();
  const id = num(condition.segmentId);
  const known = segments.some((s) => s.id === id);
  return (
    <>
      <Choice label={t('segments.builder.operator')} value={str(condition.op) as 'member' | 'not_member'} options={['member', 'not_member'] as const} group="ops" width={150} onChange={(op) => set({ ...condition, op })} />
      <Select<number>
        aria-label={t('segments.kinds.segment')}
        showSearch
        optionFilterProp="label"
        value={id && id > 0 ? id : undefined}
        placeholder={t('segments.builder.segmentPlaceholder')}
        disabled={readOnly}
        status={status(invalid, 'segmentId')}
        style={{ minWidth: 200 }}
        options={[...segments.map((s) => ({ value: s.id, label: s.name })), ...(id && id > 0 && !known ? [{ value: id, label: `#${id}` }] : [])]}
        notFoundContent={t('segments.builder.noSegments')}
        onChange={(segmentId) => set({ ...condition, segmentId })}
      />
    </>
  );
}
