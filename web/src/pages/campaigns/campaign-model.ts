import type { SendChannel } from '../journeys/journeys-api.ts';
import { holdoutArm, type ArmResults, type Campaign, type CampaignInput, type VariantJson } from './campaigns-api.ts';

// The composer's form state and its conversion to the API's campaign input, and the arithmetic of the
// results view (audience shares, the interval scale), as plain functions tested without a DOM.

export interface VariantDraft {
  /** Stable identity of the row while names change. */
  readonly key: number;
  readonly name: string;
  readonly weight: number;
  readonly source: 'inline' | 'template';
  readonly templateId: number | undefined;
  readonly subject: string;
  readonly text: string;
}

export interface CampaignDraft {
  readonly name: string;
  readonly segmentId: number | undefined;
  readonly channel: SendChannel;
  readonly purpose: 'marketing' | 'transactional';
  readonly variants: readonly VariantDraft[];
  /** The control group's share in percent (0–50), as the form shows it. */
  readonly holdoutPercent: number;
  readonly attributionDays: number;
  readonly goalEvent: string;
}

let lastKey = 0;

/** A new variant row named after its position (a, b, c …). */
export function newVariant(index: number): VariantDraft {
  return { key: ++lastKey, name: String.fromCharCode(97 + index), weight: 1, source: 'inline', templateId: undefined, subject: '', text: '' };
}

/** A composer's starting state: one variant, a 10% holdout, conversions counted for 7 days. */
export function emptyDraft(): CampaignDraft {
  return { name: '', segmentId: undefined, channel: 'preferred', purpose: 'marketing', variants: [newVariant(0)], holdoutPercent: 10, attributionDays: 7, goalEvent: '' };
}

/** The form of a saved draft, to edit it. */
export function fromCampaign(campaign: Campaign): CampaignDraft {
  const d = campaign.definition;
  return {
    name: campaign.name,
    segmentId: campaign.segmentId,
    channel: d.channel,
    purpose: d.purpose,
    variants: d.variants.map((v) => ({
      key: ++lastKey,
      name: v.name,
      weight: v.weight,
      source: v.templateId ? 'template' : 'inline',
      templateId: v.templateId,
      subject: v.content?.subject ?? '',
      text: v.content?.text ?? '',
    })),
    holdoutPercent: Math.round(d.holdoutShare * 10_000) / 100,
    attributionDays: d.attributionDays,
    goalEvent: d.goalEvent ?? '',
  };
}

/** The variant's content for the API: a template id, or the inline subject (when given) and text. */
export function variantContent(v: VariantDraft): Pick<VariantJson, 'content' | 'templateId'> {
  if (v.source === 'template') return { templateId: v.templateId ?? 0 };
  return { content: { ...(v.subject.trim() ? { subject: v.subject } : {}), text: v.text } };
}

/** What a missing field of the form is, before asking the server (which checks everything else). */
export type DraftProblem = 'name' | 'segment';

/** The campaign input for a draft, or the fields the form must fill first. */
export function toCampaignInput(draft: CampaignDraft): { input: CampaignInput } | { problems: DraftProblem[] } {
  const problems: DraftProblem[] = [];
  if (!draft.name.trim()) problems.push('name');
  if (draft.segmentId === undefined) problems.push('segment');
  if (problems.length > 0 || draft.segmentId === undefined) return { problems };
  return {
    input: {
      name: draft.name.trim(),
      segmentId: draft.segmentId,
      channel: draft.channel,
      purpose: draft.purpose,
      variants: draft.variants.map((v) => ({ name: v.name, weight: v.weight, ...variantContent(v) })),
      // Percent to a share, rounded to basis points so 12.5% is 0.125 and not 0.12500000000000001.
      holdoutShare: Math.round(draft.holdoutPercent * 100) / 10_000,
      attributionDays: draft.attributionDays,
      ...(draft.goalEvent.trim() ? { goalEvent: draft.goalEvent.trim() } : {}),
    },
  };
}

/** Each variant's expected share of the audience after the holdout, by weight (the server assigns by hashing). */
export function audienceShares(variants: readonly Pick<VariantDraft, 'weight'>[], holdoutPercent: number): number[] {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  const treated = 1 - holdoutPercent / 100;
  return variants.map((v) => (total > 0 ? (treated * Math.max(0, v.weight)) / total : 0));
}

/** Where a variant's draft names the server's complaint: `variants.1.content.text` → variant 1. */
export function variantIndexOf(details: unknown): number | undefined {
  const path = (details as { path?: unknown } | undefined)?.path;
  if (!Array.isArray(path) || path[0] !== 'variants' || typeof path[1] !== 'number') return undefined;
  return path[1];
}

/** A symmetric scale around zero covering every arm's 95% interval of uplift, for drawing the intervals side by side. */
export function upliftScale(arms: readonly ArmResults[]): { readonly max: number; readonly position: (value: number) => number } {
  const extent = Math.max(0.01, ...arms.flatMap((a) => (a.vsHoldout ? a.vsHoldout.ci95.map(Math.abs) : [])));
  // Round up to a tidy bound (1, 2 or 5 in some decimal place) so the axis labels read well.
  const power = 10 ** Math.floor(Math.log10(extent));
  const max = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= extent - 1e-12)!;
  return { max, position: (value) => Math.min(100, Math.max(0, ((value + max) / (2 * max)) * 100)) };
}

/** The arms in the order the table shows them: variants by name, then the holdout. */
export function orderedArms(arms: readonly ArmResults[]): ArmResults[] {
  return [...arms].sort((a, b) => Number(a.variant === holdoutArm) - Number(b.variant === holdoutArm) || a.variant.localeCompare(b.variant));
}

/** Whether an uplift is significant at 5%: the interval leaves out zero (p < 0.05 up to the two methods' difference). */
export function significant(comparison: ArmResults['vsHoldout']): boolean {
  return comparison !== null && comparison.pValue < 0.05 && (comparison.ci95[0] > 0 || comparison.ci95[1] < 0);
}
