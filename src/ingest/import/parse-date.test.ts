import { describe, expect, it } from 'vitest';
import { createDateParser, type DateReading } from './parse-date.ts';

const shanghai = createDateParser(undefined, 'Asia/Shanghai');
const at = (r: DateReading | string) => (typeof r === 'string' ? r : r.at.toISOString());
const key = (r: DateReading | string) => (typeof r === 'string' ? r : r.key);

describe('reading dates from file cells', () => {
  it('reads the common formats as local times in the file’s time zone', () => {
    expect(at(shanghai('2025-03-01'))).toBe('2025-02-28T16:00:00.000Z');
    expect(at(shanghai('2025-03-01 08:26'))).toBe('2025-03-01T00:26:00.000Z');
    expect(at(shanghai('2025-03-01T08:26:30.5'))).toBe('2025-03-01T00:26:30.500Z');
    expect(at(shanghai('2025/3/1 8:26'))).toBe('2025-03-01T00:26:00.000Z');
    expect(at(shanghai('2025年3月1日 8:26'))).toBe('2025-03-01T00:26:00.000Z');
    expect(at(shanghai('19970101'))).toBe('1996-12-31T16:00:00.000Z');
    expect(at(shanghai('12/1/2010 8:26'))).toBe('2010-12-01T00:26:00.000Z');
    expect(at(shanghai('12/1/2010 8:26 PM'))).toBe('2010-12-01T12:26:00.000Z');
  });

  it('takes an offset written in the value over the time zone', () => {
    expect(at(shanghai('2025-03-01T08:26:00Z'))).toBe('2025-03-01T08:26:00.000Z');
    expect(at(shanghai('2025-03-01T08:26:00-05:00'))).toBe('2025-03-01T13:26:00.000Z');
    expect(key(shanghai('2025-03-01T08:26:00-05:00'))).toBe('2025-03-01T13:26:00.000Z');
  });

  it('keys dates without a time by the date as written, so a time zone change keeps derived order numbers', () => {
    const utc = createDateParser(undefined, 'UTC');
    expect(key(shanghai('1997-01-01'))).toBe('1997-01-01');
    expect(key(utc('19970101'))).toBe('1997-01-01');
    expect(key(shanghai('2025-03-01 08:26'))).toBe('2025-03-01T08:26:00');
    expect((shanghai('2025-03-01 08:26') as DateReading).date).toBe('2025-03-01');
  });

  it('reads Excel serial days, spreadsheet date cells and Unix epochs', () => {
    expect(at(shanghai(45717))).toBe('2025-02-28T16:00:00.000Z');
    expect(at(shanghai(45717.5))).toBe('2025-03-01T04:00:00.000Z');
    expect(at(shanghai(new Date(Date.UTC(2025, 2, 1, 8, 26))))).toBe('2025-03-01T00:26:00.000Z');
    expect(at(shanghai('1740794400'))).toBe('2025-03-01T02:00:00.000Z');
    expect(at(shanghai(1740794400000))).toBe('2025-03-01T02:00:00.000Z');
    // A bare year in text is not an Excel day.
    expect(shanghai('2025')).toMatch(/is not a date/);
  });

  it('refuses impossible dates and ambiguous day-first dates, which --date-format reads', () => {
    expect(shanghai('2025-02-29')).toMatch(/"2025-02-29" is not a date/);
    expect(shanghai('2024-02-29')).not.toBeTypeOf('string');
    expect(shanghai('13/02/2025')).toMatch(/pass --date-format/);
    const dayFirst = createDateParser('D/M/YYYY H:mm', 'Asia/Shanghai');
    expect(at(dayFirst('13/02/2025 9:05'))).toBe('2025-02-13T01:05:00.000Z');
    expect(dayFirst('2025-02-13')).toMatch(/is not a date in the format D\/M\/YYYY H:mm/);
    expect(at(createDateParser('YYYYMMDD', 'UTC')('20250213'))).toBe('2025-02-13T00:00:00.000Z');
    expect(at(createDateParser('epoch', 'UTC')(1740794400))).toBe('2025-03-01T02:00:00.000Z');
    expect(() => createDateParser('MM/YYYY', 'UTC')).toThrow(/needs a year/);
    expect(() => createDateParser(undefined, 'Mars/Base')).toThrow(RangeError);
  });

  it('follows daylight saving time', () => {
    const newYork = createDateParser(undefined, 'America/New_York');
    expect(at(newYork('2025-01-15 12:00'))).toBe('2025-01-15T17:00:00.000Z');
    expect(at(newYork('2025-07-15 12:00'))).toBe('2025-07-15T16:00:00.000Z');
    expect(at(newYork('2025-03-09 03:30'))).toBe('2025-03-09T07:30:00.000Z');
    expect(at(newYork('2025-11-02 12:00'))).toBe('2025-11-02T17:00:00.000Z');
  });
});
