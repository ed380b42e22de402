import { DatePicker, Segmented, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useTranslation } from 'react-i18next';
import { useLanguage } from '../../i18n/use-language.ts';
import type { Period } from './overview-api.ts';
import { periodPresets, presetOf, presetPeriod, type PeriodPreset } from './overview-period.ts';

/** The period of the KPIs, trend and stage flows: quick presets (last 30 / 90 days, this year) and any range. */
export function OverviewPeriodPicker({ period, anchor, today, onChange }: { period: Period; anchor: string; today: string; onChange: (period: Period) => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const preset = presetOf(period, anchor);
  // The picker's month and weekday names follow the console language.
  const day = (iso: string) => dayjs(iso).locale(language === 'zh-CN' ? 'zh-cn' : 'en');
  return (
    <Space wrap size="middle" role="group" aria-label={t('overview.period.label')}>
      <Segmented<PeriodPreset | 'custom'>
        value={preset ?? 'custom'}
        options={[...periodPresets.map((p) => ({ value: p, label: t(`overview.period.${p}`) })), { value: 'custom', label: t('overview.period.custom'), disabled: true }]}
        onChange={(value) => {
          if (value !== 'custom') onChange(presetPeriod(value, anchor));
        }}
      />
      <DatePicker.RangePicker
        allowClear={false}
        aria-label={t('overview.period.range')}
        value={[day(period.from), day(period.to)]}
        disabledDate={(d: Dayjs) => d.format('YYYY-MM-DD') > today}
        onChange={(range) => {
          const [from, to] = range ?? [];
          if (from && to) onChange({ from: from.format('YYYY-MM-DD'), to: to.format('YYYY-MM-DD') });
        }}
      />
    </Space>
  );
}
