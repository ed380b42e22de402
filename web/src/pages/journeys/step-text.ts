import type { TFunction } from 'i18next';
import type { Duration, StepJson, TriggerJson } from './journeys-api.ts';

// One-line descriptions of triggers and steps for the canvas nodes and the journeys list.

/** "3 days 2 hours" in the console language; '' for no duration. */
export function durationText(duration: Duration | undefined, t: TFunction): string {
  if (!duration) return '';
  const parts: string[] = [];
  if (duration.days) parts.push(t('journeys.units.days', { count: duration.days }));
  if (duration.hours) parts.push(t('journeys.units.hours', { count: duration.hours }));
  if (duration.minutes) parts.push(t('journeys.units.minutes', { count: duration.minutes }));
  return parts.join(' ');
}

/** Who enters, in a line: "Event “Signed Up”", "Enters segment 上海复购客户". */
export function triggerText(trigger: TriggerJson | null, t: TFunction, segmentName: (id: number) => string): string {
  if (!trigger) return '—';
  switch (trigger.kind) {
    case 'event':
      return trigger.event ? t('journeys.triggerText.event', { event: trigger.event }) : t('journeys.triggerText.eventUnnamed');
    case 'segment':
      return t(trigger.on === 'entry' ? 'journeys.triggerText.segmentEntry' : 'journeys.triggerText.segmentExit', { segment: segmentName(trigger.segmentId) });
    case 'date':
      return trigger.field === 'days_after_last_order' ? t('journeys.triggerText.daysAfterLastOrder', { count: trigger.days ?? 0 }) : t(`journeys.dateFields.${trigger.field}`);
    case 'schedule':
      return t('journeys.triggerText.schedule', { cron: trigger.cron, segment: segmentName(trigger.segmentId) });
    case 'api':
      return t('journeys.triggerText.api');
    default:
      return '—';
  }
}

/** What a step does, in a line, for its node on the canvas. */
export function stepText(step: StepJson, t: TFunction): string {
  switch (step.kind) {
    case 'wait': {
      const wait = durationText(step.duration, t);
      const until = step.untilTimeOfDay ? t('journeys.stepText.until', { time: step.untilTimeOfDay }) : '';
      return [wait, until].filter(Boolean).join(', ') || t('journeys.stepText.waitUnset');
    }
    case 'wait_for_event':
      return t('journeys.stepText.waitForEvent', { event: step.event || '?', timeout: durationText(step.timeout, t) });
    case 'branch': {
      const conditions = JSON.stringify(step.rule.root).match(/"kind"/g)?.length ?? 0;
      return t('journeys.stepText.branch', { count: conditions });
    }
    case 'split':
      return step.branches.map((b) => `${b.name} ${b.weight}`).join(' / ');
    case 'send':
      return `${t(`journeys.channels.${step.channel}`)} · ${step.templateId ? t('journeys.stepText.template', { id: step.templateId }) : step.content?.subject || step.content?.text || t('journeys.stepText.noContent')}`;
    case 'update':
      return [...(step.addTags ?? []).map((tag) => `+${tag}`), ...(step.removeTags ?? []).map((tag) => `−${tag}`)].join(' ') || t('journeys.stepText.noChange');
    case 'grant_points':
      return t('journeys.stepText.points', { count: step.points });
    case 'grant_coupon':
      return step.couponTemplateId ? t('journeys.stepText.coupon', { id: step.couponTemplateId }) : t('journeys.stepText.noCoupon');
    case 'webhook':
      return step.url || t('journeys.stepText.noUrl');
    case 'task':
      return step.title ? `${step.title} → ${step.assignee || '?'}` : t('journeys.stepText.noTask');
    case 'exit':
      return t('journeys.stepText.exit');
    default:
      return '';
  }
}
