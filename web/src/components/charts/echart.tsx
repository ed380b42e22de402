import type { EChartsOption } from 'echarts';
import { BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the charts the console draws: the bundle stays a fraction of the full ECharts build.
use([BarChart, LineChart, HeatmapChart, SankeyChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer]);

/** A click on a chart element: the series, the element's index in its data and its name. */
export interface ChartClick {
  readonly seriesIndex: number;
  readonly dataIndex: number;
  readonly name: string;
}

/** The element property through which browser tests (and devtools) reach a chart's instance. */
export const chartInstanceProperty = 'patronChart';

/**
 * An ECharts chart in a div that fills its parent's width: created once, updated when the option
 * changes (replaced, not merged, so removed series disappear), resized with its box, disposed on
 * unmount. `locale` is ECharts' own (its built-in aria and toolbox texts); a new locale re-creates it.
 */
export function EChart(props: { option: EChartsOption; height: number; locale: 'ZH' | 'EN'; label: string; onClick?: (click: ChartClick) => void; testId?: string }) {
  const { option, height, locale, label, onClick, testId } = props;
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const clickRef = useRef(onClick);
  useEffect(() => {
    clickRef.current = onClick;
  });

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = init(element, undefined, { renderer: 'canvas', locale });
    chart.current = instance;
    Object.defineProperty(element, chartInstanceProperty, { value: instance, configurable: true });
    // Browser tests wait for this before reading or photographing a chart: animations have ended.
    instance.on('finished', () => element.setAttribute('data-chart-finished', 'true'));
    instance.on('click', (params) => {
      const p = params as { seriesIndex?: number; dataIndex?: number; name?: string };
      clickRef.current?.({ seriesIndex: p.seriesIndex ?? 0, dataIndex: p.dataIndex ?? 0, name: p.name ?? '' });
    });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
      Reflect.deleteProperty(element, chartInstanceProperty);
    };
  }, [locale]);

  useEffect(() => {
    box.current?.removeAttribute('data-chart-finished');
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: false });
  }, [option, locale]);

  return <div ref={box} role="img" aria-label={label} data-testid={testId} className="patron-chart" style={{ width: '100%', height }} />;
}
