import type { ProportionComparison } from '../../../../src/experiments/index.ts';
import type { ArmResults } from '../../../../src/journeys/index.ts';
import type { ApiClient } from '../../api/client.ts';
import type { MessageContentJson, SendChannel } from '../journeys/journeys-api.ts';

// The campaigns API (src/server/routes/campaigns.ts) and the template preview of channels, as the console uses them.

export interface VariantJson {
  readonly name: string;
  readonly weight: number;
  readonly content?: MessageContentJson;
  readonly templateId?: number;
}

export interface CampaignInput {
  readonly name: string;
  readonly segmentId: number;
  readonly channel: SendChannel;
  readonly purpose: 'marketing' | 'transactional';
  readonly variants: readonly VariantJson[];
  readonly holdoutShare: number;
  readonly attributionDays: number;
  readonly goalEvent?: string;
}

export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled';

export interface Campaign {
  readonly id: number;
  readonly name: string;
  readonly segmentId: number;
  readonly status: CampaignStatus;
  readonly definition: Omit<CampaignInput, 'name' | 'segmentId'>;
  readonly scheduledAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly createdAt: string;
}

// The results' figures are numbers and strings, so the server's types are the wire format as they are.
export type { ArmResults, ProportionComparison };

export interface CampaignResults {
  readonly campaign: Campaign;
  readonly attribution: { readonly days: number; readonly goal: string };
  readonly arms: readonly ArmResults[];
}

export interface RenderedMessage {
  readonly subject?: string;
  readonly text: string;
  readonly html?: string;
}

/** The arm name the server gives the control group. */
export const holdoutArm = 'holdout';

export async function fetchCampaigns(client: ApiClient): Promise<Campaign[]> {
  return (await client.get<{ campaigns: Campaign[] }>('/campaigns')).campaigns;
}
export const fetchCampaign = (client: ApiClient, id: number): Promise<Campaign> => client.get(`/campaigns/${id}`);
export const createCampaign = (client: ApiClient, input: CampaignInput): Promise<Campaign> => client.post('/campaigns', input);
/** Replaces a draft's definition (only a draft can change). */
export const updateCampaign = (client: ApiClient, id: number, input: CampaignInput): Promise<Campaign> => client.put(`/campaigns/${id}`, input);
/** Schedules a draft at a time, or now without one. */
export const scheduleCampaign = (client: ApiClient, id: number, at?: string): Promise<Campaign> => client.post(`/campaigns/${id}/schedule`, at ? { at } : {});
export const cancelCampaign = (client: ApiClient, id: number): Promise<Campaign> => client.post(`/campaigns/${id}/cancel`);
export const fetchCampaignResults = (client: ApiClient, id: number): Promise<CampaignResults> => client.get(`/campaigns/${id}/results`);
/** Renders inline content or a stored template for one customer; a missing variable is an invalid_input naming it. */
export const previewMessage = (client: ApiClient, customerId: number, content: MessageContentJson | { templateId: number }): Promise<RenderedMessage> =>
  client.post('/channels/templates/preview', { customerId, content });
