import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from './chart-format.ts';
import { colorOf, stageColors } from './palette.ts';

/** A named group with its size (a lifecycle stage, a value tier). */
export interface NamedCount {
  readonly key: string;
  readonly label: string;
  readonly customers: number;
  readonly share: number;
  readonly revenueMinor: number;
}

/**
 * Customers per lifecycle stage as a funnel of centred bars in the stages' own order (new, active, won
 * back, dormant, churned), each as wide as its count: a sorted funnel would put "churned" on top and
 * read as a progression that is not there. An invisible spacer bar centres each stage's bar.
 */
export function lifecycleFunnelOption(stages: readonly NamedCount[], texts: { customers: string; revenue: string }, fmt: ChartFormat): EChartsOption {
  const max = Math.max(1, ...stages.map((s) => s.customers));
  return {
    grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const stage = stages[(p as { dataIndex: number }).dataIndex];
        if (!stage) return '';
        return tooltipHtml(stage.label, [
          { label: texts.customers, value: `${fmt.count(stage.customers)} (${fmt.percent(stage.share)})`, color: colorOf(stageColors, stage.key) },
          { label: texts.revenue, value: fmt.money(stage.revenueMinor) },
        ]);
      },
    },
    // Room right of the widest bar for its label.
    xAxis: { type: 'value', show: false, max: max * 1.3 },
    yAxis: { type: 'category', inverse: true, data: stages.map((s) => s.label), axisTick: { show: false }, axisLine: { show: false }, axisLabel: { color: '#334155', fontSize: 13 } },
    series: [
      { type: 'bar', stack: 'funnel', silent: true, itemStyle: { color: 'transparent' }, tooltip: { show: false }, data: stages.map((s) => (max - s.customers) / 2) },
      {
        type: 'bar',
        stack: 'funnel',
        barWidth: '62%',
        label: { show: true, position: 'right', color: '#334155', formatter: (p) => { const s = stages[p.dataIndex]; return s ? `${fmt.count(s.customers)} · ${fmt.percent(s.share, 0)}` : ''; } },
        data: stages.map((s) => ({ name: s.label, value: s.customers, itemStyle: { color: colorOf(stageColors, s.key), borderRadius: 4 } })),
      },
    ],
  };
}

/** A move between stages as the flows API gives it (from = null: the first stage a customer was given). */
export interface StageFlow {
  readonly from: string | null;
  readonly to: string;
  readonly customers: number;
}

export interface SankeyGraph {
  readonly nodes: { readonly name: string; readonly stage: string | null; readonly side: 'from' | 'to'; readonly depth: number }[];
  readonly links: { readonly source: string; readonly target: string; readonly value: number }[];
}

const nodeName = (side: 'from' | 'to', stage: string | null) => `${side}:${stage ?? 'none'}`;

/**
 * The flows as a two-column graph: stages left (where customers came from) and right (where they went).
 * A stage appears on both sides as two nodes, because moves go both ways (active → dormant → won back)
 * and a Sankey diagram must not have cycles. Nodes follow the stage order; first stages come first.
 */
export function lifecycleSankey(flows: readonly StageFlow[], stageOrder: readonly string[]): SankeyGraph {
  const rank = (stage: string | null) => (stage === null ? -1 : stageOrder.includes(stage) ? stageOrder.indexOf(stage) : stageOrder.length);
  const kept = flows.filter((f) => f.customers > 0);
  const fromStages = [...new Set(kept.map((f) => f.from))].sort((a, b) => rank(a) - rank(b));
  const toStages = [...new Set(kept.map((f) => f.to))].sort((a, b) => rank(a) - rank(b));
  return {
    nodes: [
      ...fromStages.map((stage) => ({ name: nodeName('from', stage), stage, side: 'from' as const, depth: 0 })),
      ...toStages.map((stage) => ({ name: nodeName('to', stage), stage, side: 'to' as const, depth: 1 })),
    ],
    links: kept.map((f) => ({ source: nodeName('from', f.from), target: nodeName('to', f.to), value: f.customers })),
  };
}

export interface SankeyTexts {
  /** The name of the left node for customers given their first stage. */
  readonly firstStage: string;
  readonly customers: string;
  readonly stageLabel: (stage: string) => string;
}

/** The Sankey diagram of stage moves in a period. */
export function lifecycleSankeyOption(flows: readonly StageFlow[], stageOrder: readonly string[], texts: SankeyTexts, fmt: ChartFormat): EChartsOption {
  const graph = lifecycleSankey(flows, stageOrder);
  const label = (stage: string | null) => (stage === null ? texts.firstStage : texts.stageLabel(stage));
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const totals = new Map<string, number>();
  for (const l of graph.links) {
    totals.set(l.source, (totals.get(l.source) ?? 0) + l.value);
    totals.set(l.target, (totals.get(l.target) ?? 0) + l.value);
  }
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const params = p as { dataType?: string; name?: string; data?: { source?: string; target?: string; value?: number } };
        if (params.dataType === 'edge' && params.data) {
          const source = nodeByName.get(params.data.source ?? '');
          const target = nodeByName.get(params.data.target ?? '');
          return tooltipHtml(`${label(source?.stage ?? null)} → ${label(target?.stage ?? null)}`, [{ label: texts.customers, value: fmt.count(params.data.value ?? 0) }]);
        }
        const node = nodeByName.get(params.name ?? '');
        return node ? tooltipHtml(label(node.stage), [{ label: texts.customers, value: fmt.count(totals.get(node.name) ?? 0), color: colorOf(stageColors, node.stage) }]) : '';
      },
    },
    series: [
      {
        type: 'sankey',
        // Labels sit outside the two columns (before the left one, after the right one), off the links.
        left: 120,
        right: 120,
        top: 8,
        bottom: 8,
        nodeWidth: 14,
        nodeGap: 12,
        layoutIterations: 0,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
        label: {
          color: '#0f172a',
          fontSize: 12,
          formatter: (p) => {
            const node = nodeByName.get(p.name);
            return node ? `${label(node.stage)}  ${fmt.count(totals.get(node.name) ?? 0)}` : p.name;
          },
        },
        data: graph.nodes.map((n) => ({
          name: n.name,
          depth: n.depth,
          itemStyle: { color: colorOf(stageColors, n.stage), borderWidth: 0 },
          label: { position: n.side === 'from' ? ('left' as const) : ('right' as const) },
        })),
        links: graph.links.map((l) => ({ ...l })),
      },
    ],
  };
}
