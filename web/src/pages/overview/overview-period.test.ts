import { describe, expect, it } from 'vitest';
import { addDays, isIsoDay, periodDays, periodFromSearch, presetOf, presetPeriod, previousPeriod, sameDatesLastYear, todayIn } from './overview-period.ts';

describe('overview periods', () => {
  it('builds the presets back from the anchor date, both ends included', () => {
    expect(presetPeriod('last30', '2026-03-15')).toEqual({ from: '2026-02-14', to: '2026-03-15' });
    expect(periodDays(presetPeriod('last30', '2026-03-15'))).toBe(30);
    expect(presetPeriod('last90', '2026-03-15')).toEqual({ from: '2025-12-16', to: '2026-03-15' });
    expect(periodDays(presetPeriod('last90', '2026-03-15'))).toBe(90);
    expect(presetPeriod('thisYear', '2026-03-15')).toEqual({ from: '2026-01-01', to: '2026-03-15' });
  });

  it('recognises a preset, and nothing for a custom range', () => {
    expect(presetOf({ from: '2026-01-01', to: '2026-03-15' }, '2026-03-15')).toBe('thisYear');
    expect(presetOf({ from: '2026-01-02', to: '2026-03-15' }, '2026-03-15')).toBeUndefined();
  });

  it('compares with the period before and the same dates a year earlier, as the KPI API does', () => {
    expect(previousPeriod({ from: '2026-03-01', to: '2026-03-31' })).toEqual({ from: '2026-01-29', to: '2026-02-28' });
    expect(sameDatesLastYear({ from: '2024-02-29', to: '2024-03-31' })).toEqual({ from: '2023-02-28', to: '2023-03-31' });
  });

  it('reads the period from the address, falling back to the last 30 days for missing or bad dates', () => {
    const search = (q: string) => new URLSearchParams(q);
    expect(periodFromSearch(search('from=2026-01-01&to=2026-01-31'), '2026-03-15')).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(periodFromSearch(search('from=2026-02-30&to=2026-03-01'), '2026-03-15')).toEqual(presetPeriod('last30', '2026-03-15'));
    expect(periodFromSearch(search('from=2026-03-01&to=2026-01-01'), '2026-03-15')).toEqual(presetPeriod('last30', '2026-03-15'));
    expect(periodFromSearch(search(''), '2026-03-15')).toEqual(presetPeriod('last30', '2026-03-15'));
  });

  it('checks and moves ISO dates across month and year ends', () => {
    expect(isIsoDay('2024-02-29')).toBe(true);
    expect(isIsoDay('2025-02-29')).toBe(false);
    expect(isIsoDay('2025-2-1')).toBe(false);
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it("gives today's date in the workspace's time zone", () => {
    const late = new Date('2026-03-01T20:00:00Z');
    expect(todayIn('Asia/Shanghai', late)).toBe('2026-03-02');
    expect(todayIn('America/Los_Angeles', late)).toBe('2026-03-01');
  });
});
