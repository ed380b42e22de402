import type { TFunction } from 'i18next';

/** An enum field's value in the console language (rfm_segment "at_risk" → 有流失风险), or a dash for none. */
export function enumLabel(t: TFunction, field: string, value: string | null | undefined): string {
  if (!value) return '—';
  return t(`segments.enum.${field}.${value}`, { defaultValue: value });
}
