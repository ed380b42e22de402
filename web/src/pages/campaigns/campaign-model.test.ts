import { describe, expect, it } from 'vitest';
import type { ArmResults, ProportionComparison } from './campaigns-api.ts';
import { audienceShares, emptyDraft, fromCampaign, newVariant, orderedArms, significant, toCampaignInput, upliftScale, variantIndexOf } from './campaign-model.ts';

const arm = (variant: string, converted: number, recipients: number, vsHoldout: ProportionComparison | null = null): ArmResults => ({
  variant,
  recipients,
  sent: recipients,
  delivered: recipients,
  failed: 0,
  suppressed: 0,
  opened: 0,
  clicked: 0,
  unsubscribed: 0,
  converted,
  conversionRate: converted / recipients,
  revenueMinor: 0,
  vsHoldout,
});

describe('campaign composer model', () => {
  it('asks for a name and an audience before anything goes to the server', () => {
    expect(toCampaignInput(emptyDraft())).toEqual({ problems: ['name', 'segment'] });
    expect(toCampaignInput({ ...emptyDraft(), name: 'Spring', segmentId: undefined })).toEqual({ problems: ['segment'] });
  });

  it('turns the form into the campaign input: percent to a share, inline or template content, no empty goal', () => {
    const a = { ...newVariant(0), subject: '春季特惠', text: 'Hi {{ customer.name }}' };
    const b = { ...newVariant(1), source: 'template' as const, templateId: 4, subject: 'ignored', text: 'ignored', weight: 3 };
    const result = toCampaignInput({ ...emptyDraft(), name: ' Spring ', segmentId: 12, variants: [a, b], holdoutPercent: 12.5, goalEvent: ' ' });
    expect(result).toEqual({
      input: {
        name: 'Spring',
        segmentId: 12,
        channel: 'preferred',
        purpose: 'marketing',
        variants: [
          { name: 'a', weight: 1, content: { subject: '春季特惠', text: 'Hi {{ customer.name }}' } },
          { name: 'b', weight: 3, templateId: 4 },
        ],
        holdoutShare: 0.125,
        attributionDays: 7,
      },
    });
    const withGoal = toCampaignInput({ ...emptyDraft(), name: 'x', segmentId: 1, goalEvent: 'Order Completed' });
    expect('input' in withGoal && withGoal.input.goalEvent).toBe('Order Completed');
    // An empty subject is left out rather than sent blank.
    expect('input' in withGoal && withGoal.input.variants[0]!.content).toEqual({ text: '' });
  });

  it('reads a saved draft back into the form, which gives the same input', () => {
    const input = {
      name: 'Spring',
      segmentId: 3,
      channel: 'email' as const,
      purpose: 'marketing' as const,
      variants: [
        { name: 'a', weight: 2, content: { subject: 'Hi', text: 'Hello' } },
        { name: 'b', weight: 1, templateId: 7 },
      ],
      holdoutShare: 0.125,
      attributionDays: 14,
      goalEvent: 'Order Completed',
    };
    const { name, segmentId, ...definition } = input;
    const draft = fromCampaign({ id: 1, name, segmentId, status: 'draft', definition, scheduledAt: null, startedAt: null, finishedAt: null, createdAt: '2026-01-01T00:00:00Z' });
    expect(draft.holdoutPercent).toBe(12.5);
    expect(draft.variants.map((v) => v.source)).toEqual(['inline', 'template']);
    expect(toCampaignInput(draft)).toEqual({ input });
  });

  it('splits the audience left after the holdout by the variants’ weights', () => {
    const shares = audienceShares([{ weight: 1 }, { weight: 3 }], 20);
    expect(shares[0]).toBeCloseTo(0.2);
    expect(shares[1]).toBeCloseTo(0.6);
    expect(audienceShares([{ weight: 0 }], 10)).toEqual([0]);
  });

  it('reads which variant a server error is about', () => {
    expect(variantIndexOf({ path: ['variants', 1, 'content', 'text'] })).toBe(1);
    expect(variantIndexOf({ path: ['segmentId'] })).toBeUndefined();
    expect(variantIndexOf(undefined)).toBeUndefined();
  });
});

describe('campaign results model', () => {
  // 6% and 2.4% against 2% of 1,000 each, as the server's two-proportion test reports them.
  const vsA: ProportionComparison = { treatmentRate: 0.06, controlRate: 0.02, uplift: 0.04, relativeUplift: 2, ci95: [0.0233, 0.0567], z: 4.59, pValue: 0.0000044 };
  const vsB: ProportionComparison = { treatmentRate: 0.024, controlRate: 0.02, uplift: 0.004, relativeUplift: 0.2, ci95: [-0.0088, 0.0168], z: 0.61, pValue: 0.54 };
  const arms = [arm('holdout', 20, 1000), arm('b', 24, 1000, vsB), arm('a', 60, 1000, vsA)];

  it('shows variants by name, then the holdout', () => {
    expect(orderedArms(arms).map((a) => a.variant)).toEqual(['a', 'b', 'holdout']);
  });

  it('puts every interval on one symmetric scale with a tidy bound', () => {
    const a = vsA;
    const scale = upliftScale(arms);
    expect(scale.max).toBeGreaterThanOrEqual(a.ci95[1]);
    expect([0.1, 0.2, 0.5, 1].map((m) => m / 10)).toContain(scale.max);
    expect(scale.position(0)).toBe(50);
    expect(scale.position(scale.max)).toBe(100);
    expect(scale.position(-2 * scale.max)).toBe(0);
    // No comparisons at all: a scale of ±1 point.
    expect(upliftScale([arm('a', 1, 10)]).max).toBe(0.01);
  });

  it('calls an uplift significant when its interval leaves out zero', () => {
    expect(significant(arms[2]!.vsHoldout)).toBe(true);
    expect(significant(arms[1]!.vsHoldout)).toBe(false);
    expect(significant(null)).toBe(false);
  });
});
