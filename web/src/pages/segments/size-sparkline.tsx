import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSizes } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { formatCount } from '../../format/numbers.ts';
import { sparklinePoints } from './sparkline.ts';

/** A segment's members over the last 30 days as a small line, for the list (an SVG, not a chart instance per row). */
export function SizeSparkline({ segmentId, locale }: { segmentId: number; locale: string }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const sizes = useRequest(`sparkline|${segmentId}`, () => fetchSizes(client, segmentId, 30));
  const values = (sizes.data ?? []).map((s) => s.members);
  if (values.length === 0) return <span aria-hidden="true">—</span>;
  const label = t('segments.sizes.sparkline', { days: values.length, from: formatCount(values[0]!, locale), to: formatCount(values[values.length - 1]!, locale) });
  return (
    <svg width={120} height={28} viewBox="0 0 120 28" role="img" aria-label={label} data-testid={`segment-sparkline-${segmentId}`}>
      <title>{label}</title>
      <polyline points={sparklinePoints(values, 120, 28, 2)} fill="none" stroke="#1d4ed8" strokeWidth={1.5} strokeLinejoin="round" />
    </svg>
  );
}
