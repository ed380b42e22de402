import type { ApiClient } from '../../api/client.ts';
import type { RuleJson } from '../../api/segments-api.ts';

// The journeys API (src/server/routes/journeys.ts) as the console uses it; the graph types mirror
// src/journeys/graph.ts as JSON (the server validates, the console only edits).

export interface Duration {
  readonly days?: number;
  readonly hours?: number;
  readonly minutes?: number;
}

export interface PropertyFilter {
  readonly property: string;
  readonly op: 'eq' | 'neq' | 'in' | 'contains' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists';
  readonly value?: unknown;
}

export const dateFields = ['birthday', 'signup_anniversary', 'days_after_last_order'] as const;
export type DateField = (typeof dateFields)[number];

export type TriggerJson =
  | { readonly kind: 'event'; readonly event: string; readonly where?: readonly PropertyFilter[] }
  | { readonly kind: 'segment'; readonly segmentId: number; readonly on: 'entry' | 'exit' }
  | { readonly kind: 'date'; readonly field: DateField; readonly days?: number }
  | { readonly kind: 'schedule'; readonly cron: string; readonly segmentId: number }
  | { readonly kind: 'api' };
export type TriggerKind = TriggerJson['kind'];
export const triggerKinds: readonly TriggerKind[] = ['event', 'segment', 'date', 'schedule', 'api'];

export const sendChannels = ['preferred', 'email', 'sms', 'wechat', 'webhook'] as const;
export type SendChannel = (typeof sendChannels)[number];

export interface MessageContentJson {
  readonly subject?: string;
  readonly text: string;
  readonly html?: string;
}

export type StepJson =
  | { readonly kind: 'wait'; readonly duration?: Duration; readonly untilTimeOfDay?: string; readonly next: string }
  | { readonly kind: 'wait_for_event'; readonly event: string; readonly where?: readonly PropertyFilter[]; readonly timeout: Duration; readonly next: string; readonly timeoutNext: string }
  | { readonly kind: 'branch'; readonly rule: RuleJson; readonly yes: string; readonly no: string }
  | { readonly kind: 'split'; readonly branches: readonly { readonly name: string; readonly weight: number; readonly next: string }[] }
  | {
      readonly kind: 'send';
      readonly channel: SendChannel;
      readonly purpose: 'marketing' | 'transactional';
      readonly content?: MessageContentJson;
      readonly templateId?: number;
      readonly next: string;
    }
  | { readonly kind: 'update'; readonly attributes?: Readonly<Record<string, unknown>>; readonly addTags?: readonly string[]; readonly removeTags?: readonly string[]; readonly next: string }
  | { readonly kind: 'grant_points'; readonly points: number; readonly reason: string; readonly next: string }
  | { readonly kind: 'grant_coupon'; readonly couponTemplateId: number; readonly next: string }
  | { readonly kind: 'webhook'; readonly url: string; readonly secret: string; readonly body?: Readonly<Record<string, unknown>>; readonly next: string }
  | { readonly kind: 'task'; readonly title: string; readonly assignee: string; readonly dueInDays: number; readonly next: string }
  | { readonly kind: 'exit' };
export type StepKind = StepJson['kind'];

export type Reentry = { readonly mode: 'never' } | { readonly mode: 'after_exit' } | { readonly mode: 'after_days'; readonly days: number };

/** What a journey says besides its steps: who enters, again or not, its goal and whose clock it uses. */
export interface JourneySettings {
  readonly trigger: TriggerJson;
  readonly reentry: Reentry;
  readonly goal?: { readonly event: string };
  readonly timezone: 'customer' | 'workspace';
}

export interface JourneyGraphJson extends JourneySettings {
  readonly version: 1;
  readonly entry: string;
  readonly nodes: Readonly<Record<string, StepJson>>;
}

export type JourneyState = 'draft' | 'live' | 'paused' | 'archived';
export type JourneyAction = 'publish' | 'pause' | 'resume' | 'archive';

export interface Journey {
  readonly id: number;
  readonly name: string;
  readonly state: JourneyState;
  readonly versionId: number;
  readonly version: number;
  readonly graph: JourneyGraphJson;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface JourneySummary {
  readonly id: number;
  readonly name: string;
  readonly state: JourneyState;
  readonly version: number;
  readonly updatedAt: string;
  readonly trigger: TriggerJson | null;
  readonly entered: number;
  readonly inFlight: number;
  readonly completed: number;
  readonly converted: number;
  readonly failed: number;
}

export interface StepCounts {
  readonly nodeId: string;
  readonly current: number;
  readonly finished: number;
  readonly failed: number;
  readonly messages: number;
}

export interface CouponTemplate {
  readonly id: number;
  readonly name: string;
}

export interface MessageTemplate {
  readonly id: number;
  readonly name: string;
  readonly content: MessageContentJson;
}

export async function fetchJourneys(client: ApiClient): Promise<JourneySummary[]> {
  return (await client.get<{ journeys: JourneySummary[] }>('/journeys')).journeys;
}
export const fetchJourney = (client: ApiClient, id: number): Promise<Journey> => client.get(`/journeys/${id}`);
export const createJourney = (client: ApiClient, input: { name: string; graph: JourneyGraphJson }): Promise<Journey> => client.post('/journeys', input);
export const updateJourney = (client: ApiClient, id: number, patch: { name?: string; graph?: JourneyGraphJson }): Promise<Journey> => client.patch(`/journeys/${id}`, patch);
export const changeJourneyState = (client: ApiClient, id: number, action: JourneyAction): Promise<Journey> => client.post(`/journeys/${id}/${action}`);
export async function fetchStepCounts(client: ApiClient, id: number): Promise<StepCounts[]> {
  return (await client.get<{ steps: StepCounts[] }>(`/journeys/${id}/steps`)).steps;
}
export const fetchMessageTemplates = (client: ApiClient): Promise<MessageTemplate[]> => client.get('/channels/templates');

/** Coupon templates for grant steps; a workspace without loyalty has none (the step is refused on save). */
export async function fetchCouponTemplates(client: ApiClient): Promise<CouponTemplate[]> {
  return (await client.get<{ templates: CouponTemplate[] }>('/loyalty/coupon-templates')).templates;
}
