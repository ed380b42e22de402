import { describe, expect, it } from 'vitest';
import { formatCalendarDate, formatDate, formatDateTime } from './dates.ts';

describe('date formatting', () => {
  const moment = '2026-03-01T06:05:00Z';

  it('writes moments in the locale and time zone', () => {
    expect(formatDateTime(moment, 'zh-CN', 'Asia/Shanghai')).toBe('2026年3月1日 14:05');
    expect(formatDateTime(moment, 'en-US', 'Asia/Shanghai')).toBe('Mar 1, 2026, 2:05 PM');
    expect(formatDate(moment, 'zh-CN', 'Asia/Shanghai')).toBe('2026年3月1日');
    expect(formatDate(moment, 'en-US', 'America/Los_Angeles')).toBe('Feb 28, 2026');
  });

  it('never shifts a calendar date (a birthday) by the time zone', () => {
    expect(formatCalendarDate('1990-05-17', 'zh-CN')).toBe('1990年5月17日');
    expect(formatCalendarDate('1990-05-17', 'en-US')).toBe('May 17, 1990');
  });

  it('gives an empty string for missing or unreadable values', () => {
    expect(formatDateTime(null, 'en-US')).toBe('');
    expect(formatDate(undefined, 'en-US')).toBe('');
    expect(formatDate('not a date', 'en-US')).toBe('');
    expect(formatCalendarDate(null, 'en-US')).toBe('');
  });
});
