import type { Selectable } from 'kysely';
import type { CustomerScoresTable } from '../db/index.ts';
import { fromMinorUnits } from '../lib/money.ts';
import { rfmSegmentLabels, rfmSegmentMeaning, type RfmSegment } from './rfm-segments.ts';
import type { ScoringParams } from './score-write.ts';
import { lifecycleStageLabels, valueTierLabels, type LifecycleStage, type ValueTier } from './score-views.ts';

/** A sentence in both console languages. */
export interface Words {
  readonly en: string;
  readonly zh: string;
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

/** Why a customer is in their RFM segment, with the figures behind the scores. */
export function explainSegment(s: Selectable<CustomerScoresTable>, currency: string): Words {
  const seg = s.rfm_segment as RfmSegment;
  const label = rfmSegmentLabels[seg];
  const meaning = rfmSegmentMeaning[seg];
  const money = fromMinorUnits(s.monetary_minor, currency);
  return {
    en: `${label.en} (R${s.r_score} F${s.f_score} M${s.m_score}): ${meaning.en} — last order ${s.recency_days} days ago, frequency ${s.frequency}, monetary ${money} ${currency}.`,
    zh: `${label.zh}（R${s.r_score} F${s.f_score} M${s.m_score}）：${meaning.zh}——最近一次下单在 ${s.recency_days} 天前，频次 ${s.frequency}，金额 ${money} ${currency}。`,
  };
}

/** Why a customer is at their lifecycle stage, with the run's thresholds. */
export function explainStage(s: Selectable<CustomerScoresTable>, params: Pick<ScoringParams, 'lifecycle'>): Words {
  const { dormantAfterDays: D, churnedAfterDays: C } = params.lifecycle;
  const label = lifecycleStageLabels[s.lifecycle_stage as LifecycleStage];
  const since = s.stage_since;
  switch (s.lifecycle_stage as LifecycleStage) {
    case 'new':
      return { en: `${label.en} since ${since}: one order day so far, ${s.recency_days} days ago.`, zh: `${label.zh}（自 ${since}）：目前只有一个下单日，在 ${s.recency_days} 天前。` };
    case 'active':
      return {
        en: `${label.en}: ordered again ${s.recency_days} days ago, within the ${D} days after which a customer counts as dormant.`,
        zh: `${label.zh}：${s.recency_days} 天前再次下单，未超过判定沉睡的 ${D} 天。`,
      };
    case 'won_back':
      return { en: `${label.en} on ${since}: ordered again after more than ${D} days without an order.`, zh: `${label.zh}（${since}）：超过 ${D} 天未下单后再次购买。` };
    case 'dormant':
      return { en: `${label.en} since ${since}: no order for ${s.recency_days} days (dormant after ${D}, churned after ${C}).`, zh: `${label.zh}（自 ${since}）：已 ${s.recency_days} 天未下单（超过 ${D} 天为沉睡，超过 ${C} 天为流失）。` };
    case 'churned':
      return { en: `${label.en} since ${since}: no order for ${s.recency_days} days, more than ${C}.`, zh: `${label.zh}（自 ${since}）：已 ${s.recency_days} 天未下单，超过 ${C} 天。` };
  }
}

/** Why a customer is in their value tier. */
export function explainTier(s: Selectable<CustomerScoresTable>, params: Pick<ScoringParams, 'tiers' | 'settings'>, currency: string): Words {
  const tier = s.value_tier as ValueTier;
  const label = valueTierLabels[tier];
  const byClv = params.tiers.basis === 'clv';
  const high = Math.round(params.settings.valueTier.highShare * 100);
  const mid = Math.round(params.settings.valueTier.midShare * 100);
  const value = fromMinorUnits(Math.round(byClv ? (s.clv_minor ?? 0) : s.revenue_minor), currency);
  const what = byClv ? { en: 'predicted CLV', zh: '预测客户终身价值' } : { en: 'revenue', zh: '收入' };
  if (tier === 'high') return { en: `${label.en}: among the top customers making ${high}% of ${what.en} (${value} ${currency}).`, zh: `${label.zh}：属于贡献前 ${high}% ${what.zh}的客户（${value} ${currency}）。` };
  if (tier === 'mid') return { en: `${label.en}: among the next customers making ${mid}% of ${what.en} (${value} ${currency}).`, zh: `${label.zh}：属于其后贡献 ${mid}% ${what.zh}的客户（${value} ${currency}）。` };
  return { en: `${label.en}: outside the customers making the top ${high + mid}% of ${what.en} (${value} ${currency}).`, zh: `${label.zh}：不在贡献前 ${high + mid}% ${what.zh}的客户之中（${value} ${currency}）。` };
}

/** What the purchase model expects of the customer, or why there is no model. */
export function explainClv(s: Selectable<CustomerScoresTable>, params: Pick<ScoringParams, 'clv'>, currency: string): Words {
  if (s.p_alive === null || !params.clv) {
    return { en: 'No purchase model was fitted at this run, so there is no P(alive) or CLV (see the run diagnostics).', zh: '本次评分未能拟合购买模型，因此没有存活概率和客户终身价值（见评分诊断）。' };
  }
  const p = round(s.p_alive);
  const e90 = round(s.expected_purchases_90 ?? 0);
  const clv = s.clv_minor === null ? null : fromMinorUnits(Math.round(s.clv_minor), currency);
  const horizon = params.clv.horizonDays;
  return {
    en: `P(alive) ${p}: expected ${e90} purchases in the next 90 days${clv === null ? '' : `; CLV ${clv} ${currency} over ${horizon} days`}.`,
    zh: `存活概率 ${p}：预计未来 90 天购买 ${e90} 次${clv === null ? '' : `；未来 ${horizon} 天客户终身价值 ${clv} ${currency}`}。`,
  };
}

/** A churn warning's reasons in words. */
export function explainWarning(w: { reasons: readonly string[]; p_alive: number | null; previous_p_alive: number | null; gap_days: number; expected_gap_days: number | null }, threshold: number, multiple: number): Words {
  const en: string[] = [];
  const zh: string[] = [];
  for (const reason of w.reasons) {
    if (reason === 'p_alive_dropped') {
      en.push(`P(alive) fell from ${round(w.previous_p_alive ?? 0)} to ${round(w.p_alive ?? 0)}, below ${threshold}.`);
      zh.push(`存活概率从 ${round(w.previous_p_alive ?? 0)} 降到 ${round(w.p_alive ?? 0)}，低于 ${threshold}。`);
    } else if (reason === 'overdue') {
      const gap = round(w.expected_gap_days ?? 0, 1);
      en.push(`No order for ${w.gap_days} days, more than ${multiple} × the ${gap} days this customer usually takes between purchases.`);
      zh.push(`已 ${w.gap_days} 天未下单，超过其通常购买间隔 ${gap} 天的 ${multiple} 倍。`);
    }
  }
  return { en: en.join(' '), zh: zh.join('') };
}
