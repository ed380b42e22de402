import type { TFunction } from 'i18next';

// Short sentences for a condition and a value a condition saw, for the "why" tree, where a row of
// inputs would be too much.

const scalar = (v: unknown): string => (Array.isArray(v) ? v.map(scalar).join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function windowText(window: unknown, t: TFunction): string {
  if (typeof window !== 'object' || window === null) return '';
  const w = window as { last?: number; unit?: string; from?: string; to?: string };
  if (w.last !== undefined) return ` · ${t('segments.conditionText.last', { count: w.last, unit: t(`segments.units.${w.unit ?? 'days'}`) })}`;
  return ` · ${t('segments.conditionText.between', { from: w.from, to: w.to })}`;
}

/** "City equals 上海", "Orders count ≥ 2 · last 90 days": a condition in the console language. */
export function conditionSummary(condition: Readonly<Record<string, unknown>>, t: TFunction): string {
  const c = condition;
  const op = (o: unknown) => t(`segments.ops.${String(o)}`, { defaultValue: String(o) });
  const value = c.value === undefined ? '' : ` ${scalar(c.value)}`;
  switch (c.kind) {
    case 'field':
      return `${t(`segments.fields.${String(c.field)}`, { defaultValue: String(c.field) })} ${op(c.op)}${value}`;
    case 'attribute':
      return `${String(c.key)} ${op(c.op)}${value}`;
    case 'tag':
      return `${op(c.op)} ${t('segments.kinds.tag')} ${String(c.tag)}`;
    case 'identity':
      return `${t(`segments.identityTypes.${String(c.type)}`)} ${op(c.op)}`;
    case 'consent':
      return `${t(`segments.channels.${String(c.channel)}`)} · ${t(`segments.purposes.${String(c.purpose ?? 'marketing')}`)} · ${op(c.op)}`;
    case 'event':
      return `${op(c.op)} ${String(c.name)}${c.atLeast !== undefined ? ` ≥ ${String(c.atLeast)}` : ''}${c.atMost !== undefined ? ` ≤ ${String(c.atMost)}` : ''}${windowText(c.window, t)}`;
    case 'orders':
      return `${t(`segments.measures.${String(c.measure)}`)} ${op(c.op)}${value}${windowText(c.window, t)}`;
    case 'purchased':
      return `${t(`segments.purchasedOps.${String(c.op)}`)} ${scalar([...((c.categories as unknown[]) ?? []), ...((c.skus as unknown[]) ?? [])])}${windowText(c.window, t)}`;
    case 'segment':
      return `${op(c.op)} #${String(c.segmentId)}`;
    default:
      return JSON.stringify(c);
  }
}

/** A value a condition looked at, or "none" for null. */
export function observedText(value: unknown, t: TFunction): string {
  if (value === null || value === undefined) return t('segments.why.none');
  if (typeof value === 'boolean') return value ? t('segments.why.yes') : t('segments.why.no');
  return scalar(value);
}
