import { describe, expect, it } from 'vitest';
import { fmScore, rfmSegmentArray, rfmSegmentLabels, rfmSegmentOf, rfmSegments } from './rfm-segments.ts';

describe('the R×F segment grid', () => {
  it('maps every cell as the common R×F table does, with Lost split off the bottom row of Hibernating', () => {
    // The common map as regular expressions over "R then F", plus Lost (R = 1, F ≤ 2).
    const table: [RegExp, string][] = [
      [/^1[1-2]$/, 'lost'],
      [/^2[1-2]$/, 'hibernating'],
      [/^[1-2][3-4]$/, 'at_risk'],
      [/^[1-2]5$/, 'cant_lose'],
      [/^3[1-2]$/, 'about_to_sleep'],
      [/^33$/, 'need_attention'],
      [/^[3-4][4-5]$/, 'loyal'],
      [/^41$/, 'promising'],
      [/^51$/, 'new'],
      [/^[4-5][2-3]$/, 'potential_loyalist'],
      [/^5[4-5]$/, 'champions'],
    ];
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        const matches = table.filter(([re]) => re.test(`${r}${f}`));
        expect(matches, `cell R${r}F${f}`).toHaveLength(1);
        expect(rfmSegmentOf(r, f), `cell R${r}F${f}`).toBe(matches[0]![1]);
      }
    }
    expect(new Set(rfmSegmentArray())).toEqual(new Set(rfmSegments));
    expect(rfmSegmentArray()[(2 - 1) * 5 + 5 - 1]).toBe('cant_lose');
  });

  it('labels every segment in English and Chinese', () => {
    expect(rfmSegments.map((s) => rfmSegmentLabels[s].zh)).toEqual(['冠军客户', '忠诚客户', '潜力客户', '新客户', '有望客户', '需要关注', '即将沉睡', '有流失风险', '不能失去', '冬眠客户', '已流失']);
    expect(rfmSegmentLabels.cant_lose.en).toBe("Can't Lose Them");
  });

  it('rounds the FM score half up and refuses scores off the grid', () => {
    expect([fmScore(1, 1), fmScore(1, 2), fmScore(4, 5), fmScore(5, 5)]).toEqual([1, 2, 5, 5]);
    expect(() => rfmSegmentOf(0, 3)).toThrow(RangeError);
  });
});
