/**
 * The named RFM segments and the one table that maps an R score × F score cell to a segment.
 *
 * Source: the widely used R×F score grid (the "RFM segments" table popularised by Putler's RFM
 * analysis guide and reproduced in Optimove-style and many open-source RFM notebooks, usually written
 * as the regular-expression map `[1-2][1-2] Hibernating, [1-2][3-4] At Risk, [1-2]5 Can't Lose Them,
 * 3[1-2] About to Sleep, 33 Need Attention, [3-4][4-5] Loyal, 41 Promising, 51 New, [4-5][2-3]
 * Potential Loyalist, 5[4-5] Champions` over "R then F"). That map has ten segments; Putler's list
 * has an eleventh, Lost ("lowest recency, frequency and monetary scores"), which we take from the
 * Hibernating block's lower row: R = 1 and F ≤ 2 is Lost, R = 2 and F ≤ 2 stays Hibernating.
 */
export const rfmSegments = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof rfmSegments)[number];

/** Display names; the Chinese ones translate the English names directly (not the 重要价值客户 scheme, which is a different grid). */
export const rfmSegmentLabels: Readonly<Record<RfmSegment, { readonly en: string; readonly zh: string }>> = {
  champions: { en: 'Champions', zh: '冠军客户' },
  loyal: { en: 'Loyal', zh: '忠诚客户' },
  potential_loyalist: { en: 'Potential Loyalist', zh: '潜力客户' },
  new: { en: 'New', zh: '新客户' },
  promising: { en: 'Promising', zh: '有望客户' },
  need_attention: { en: 'Need Attention', zh: '需要关注' },
  about_to_sleep: { en: 'About to Sleep', zh: '即将沉睡' },
  at_risk: { en: 'At Risk', zh: '有流失风险' },
  cant_lose: { en: "Can't Lose Them", zh: '不能失去' },
  hibernating: { en: 'Hibernating', zh: '冬眠客户' },
  lost: { en: 'Lost', zh: '已流失' },
};

/** What each segment means, in a phrase, for explanations. */
export const rfmSegmentMeaning: Readonly<Record<RfmSegment, { readonly en: string; readonly zh: string }>> = {
  champions: { en: 'bought recently and often', zh: '最近购买且购买频繁' },
  loyal: { en: 'buys often and not long ago', zh: '购买频繁，且不久前购买过' },
  potential_loyalist: { en: 'recent buyer with a few purchases who could become loyal', zh: '最近购买、已有几次购买，可能成为忠诚客户' },
  new: { en: 'bought for the first time very recently', zh: '最近刚首次购买' },
  promising: { en: 'recent buyer with few purchases so far', zh: '最近购买，但购买次数还少' },
  need_attention: { en: 'middling recency and frequency', zh: '最近程度和购买频率都居中' },
  about_to_sleep: { en: 'few purchases and not bought for a while', zh: '购买少，且有一段时间没有购买' },
  at_risk: { en: 'used to buy often but has not for a long while', zh: '曾经频繁购买，但很久没有购买了' },
  cant_lose: { en: 'one of the most frequent buyers but gone quiet for a long time', zh: '曾是最频繁的买家之一，但已很久没有购买' },
  hibernating: { en: 'few purchases, long ago', zh: '购买少，且很久以前' },
  lost: { en: 'fewest purchases and longest ago', zh: '购买最少且最久以前' },
};

// Rows are R = 5 (top) … 1 (bottom); columns F = 1 … 5. Read it as the grid in the docs.
const grid: readonly (readonly RfmSegment[])[] = [
  /* R5 */ ['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
  /* R4 */ ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  /* R3 */ ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  /* R2 */ ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  /* R1 */ ['lost', 'lost', 'at_risk', 'at_risk', 'cant_lose'],
];

/** The segment of an R score and an F (or FM) score, both 1–5. */
export function rfmSegmentOf(r: number, f: number): RfmSegment {
  const segment = grid[5 - r]?.[f - 1];
  if (segment === undefined) throw new RangeError(`RFM scores are 1–5, got R${r} F${f}`);
  return segment;
}

/** The grid flattened for SQL: element (r − 1) × 5 + f (1-based) is the segment of cell (r, f). */
export function rfmSegmentArray(): string[] {
  const cells: string[] = [];
  for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) cells.push(rfmSegmentOf(r, f));
  return cells;
}

/** The FM score used when the grid's column axis is "fm": the mean of F and M, rounded half up. */
export function fmScore(f: number, m: number): number {
  return Math.floor((f + m + 1) / 2);
}
