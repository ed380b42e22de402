import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.ts';

describe('quiet hours', () => {
  const night = { start: '21:00', end: '08:00' };

  it('holds inside a window that wraps midnight until it ends in the local zone', () => {
    // 22:30 in Shanghai (UTC+8) → 08:00 next morning local = 00:00Z.
    expect(quietUntil(new Date('2026-05-01T14:30:00Z'), night, 'Asia/Shanghai')).toEqual(new Date('2026-05-02T00:00:00Z'));
    // 06:00 in Shanghai → 08:00 the same morning.
    expect(quietUntil(new Date('2026-05-01T22:00:00Z'), night, 'Asia/Shanghai')).toEqual(new Date('2026-05-02T00:00:00Z'));
    expect(quietUntil(new Date('2026-05-01T04:00:00Z'), night, 'Asia/Shanghai')).toBeNull();
  });

  it('lands on the local end time across a daylight-saving change', () => {
    // 23:00 on 7 March 2026 in New York (EST); clocks go forward at 02:00, so 08:00 local is EDT = 12:00Z.
    expect(quietUntil(new Date('2026-03-08T04:00:00Z'), night, 'America/New_York')).toEqual(new Date('2026-03-08T12:00:00Z'));
  });

  it('handles a window within one day and an empty window', () => {
    expect(quietUntil(new Date('2026-05-01T04:30:00Z'), { start: '12:00', end: '14:00' }, 'Asia/Shanghai')).toEqual(new Date('2026-05-01T06:00:00Z'));
    expect(quietUntil(new Date('2026-05-01T04:30:00Z'), { start: '12:00', end: '12:00' }, 'Asia/Shanghai')).toBeNull();
  });
});
