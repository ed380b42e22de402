import { readApiKey } from '../auth/api-key-storage.ts';
import { errorFromResponse, type ApiClient } from './client.ts';
import { ApiError } from './api-error.ts';

// The segments API (src/server/routes/segments.ts) as the console uses it. Types are written out here
// rather than imported from src/segments: the console sees JSON, where dates are strings.

export type FieldType = 'text' | 'enum' | 'number' | 'money' | 'timestamp' | 'date' | 'boolean';

/** A field a rule may name, as GET /api/segments/catalogue lists it. */
export interface CatalogueField {
  readonly name: string;
  readonly type: FieldType;
  readonly source: 'profile' | 'scores' | 'orders';
  readonly label: string;
  readonly operators: readonly string[];
  readonly values?: readonly string[];
}

/** What a rule can say: the condition kinds, the fields with their operators, and the limits. */
export interface SegmentCatalogue {
  readonly version: number;
  readonly conditionKinds: readonly string[];
  readonly fields: readonly CatalogueField[];
  readonly attributeOperators: { readonly text: readonly string[]; readonly number: readonly string[]; readonly boolean: readonly string[] };
  readonly limits: { readonly depth: number; readonly conditions: number; readonly listValues: number; readonly textLength: number };
}

/** A rule in its JSON form: `{"version": 1, "root": {"all": [...]}}`. */
export interface RuleJson {
  readonly version: 1;
  readonly root: Readonly<Record<string, unknown>>;
}

export interface PreviewMember {
  readonly id: number;
  readonly name: string | null;
  readonly city: string | null;
  readonly rfmSegment: string | null;
  readonly lifecycleStage: string | null;
  readonly totalSpentMinor: number;
}

export interface RulePreview {
  readonly count: number;
  readonly revenueMinor: number;
  readonly sample: readonly PreviewMember[];
  readonly timeDependent: boolean;
  readonly reads: readonly string[];
  readonly tookMs: number;
}

export interface ExplainedRule {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** One node of a "why" answer: whether it holds for the customer and, for a condition, what it saw. */
export interface WhyNode {
  readonly path: string;
  readonly holds: boolean;
  readonly group?: 'all' | 'any' | 'none';
  readonly segment?: { readonly id: number; readonly name: string };
  readonly condition?: Readonly<Record<string, unknown>>;
  readonly observed?: unknown;
  readonly children?: readonly WhyNode[];
}

export interface Segment {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly kind: 'dynamic' | 'static';
  readonly rule: RuleJson;
  readonly ruleVersion: number;
  readonly reads: readonly string[];
  readonly dependsOn: readonly number[];
  readonly timeDependent: boolean;
  readonly memberCount: number;
  readonly refreshedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SegmentMember {
  readonly customerId: number;
  readonly name: string | null;
  readonly city: string | null;
  readonly rfmSegment: string | null;
  readonly lifecycleStage: string | null;
  readonly totalSpentMinor: number;
  readonly enteredAt: string;
}

export interface SegmentSize {
  readonly day: string;
  readonly members: number;
  readonly entered: number;
  readonly exited: number;
}

export interface CustomerMembership {
  readonly segmentId: number;
  readonly segmentName: string;
  readonly enteredAt: string;
  readonly exitedAt: string | null;
}

/** The columns a member export may choose (GET /api/segments/:id/export.csv?columns=…), in the server's order. */
export const exportColumns = [
  'id',
  'name',
  'email',
  'phone',
  'wechat_unionid',
  'external_id',
  'gender',
  'birthday',
  'city',
  'province',
  'country',
  'acquisition_channel',
  'signed_up_at',
  'rfm_segment',
  'lifecycle_stage',
  'value_tier',
  'clv',
  'p_alive',
  'order_count',
  'total_spent',
  'last_order_at',
  'entered_at',
] as const;
export type ExportColumn = (typeof exportColumns)[number];
/** The server's default selection. */
export const defaultExportColumns: readonly ExportColumn[] = ['id', 'name', 'email', 'phone', 'city', 'rfm_segment', 'lifecycle_stage', 'total_spent', 'entered_at'];

export const fetchCatalogue = (client: ApiClient): Promise<SegmentCatalogue> => client.get('/segments/catalogue');
export const previewRule = (client: ApiClient, rule: RuleJson): Promise<RulePreview> => client.post('/segments/preview', { rule });
export const explainRule = (client: ApiClient, rule: RuleJson): Promise<ExplainedRule> => client.post('/segments/explain', { rule });
export const whyCustomer = (client: ApiClient, input: { customerId: number } & ({ rule: RuleJson } | { segmentId: number })): Promise<WhyNode> =>
  client.post('/segments/why', input);

export async function fetchSegments(client: ApiClient): Promise<Segment[]> {
  return (await client.get<{ segments: Segment[] }>('/segments')).segments;
}
export const fetchSegment = (client: ApiClient, id: number): Promise<Segment> => client.get(`/segments/${id}`);
export const createSegment = (client: ApiClient, input: { name: string; description: string; kind: 'dynamic' | 'static'; rule: RuleJson }): Promise<Segment> =>
  client.post('/segments', input);
export const updateSegment = (client: ApiClient, id: number, patch: { name?: string; description?: string; rule?: RuleJson }): Promise<Segment> =>
  client.patch(`/segments/${id}`, patch);
export const refreshSegment = (client: ApiClient, id: number): Promise<unknown> => client.post(`/segments/${id}/refresh`);

/** Archives a segment; the server answers 204 without a body, which the JSON client would call a bad answer. */
export async function archiveSegment(client: ApiClient, id: number): Promise<void> {
  try {
    await client.delete(`/segments/${id}`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'bad_response' && error.status === 204) return;
    throw error;
  }
}

export const fetchMembers = (client: ApiClient, id: number, query: { limit: number; after?: number }): Promise<{ members: SegmentMember[]; next: number | null }> =>
  client.get(`/segments/${id}/members`, { limit: query.limit, after: query.after });

export async function fetchSizes(client: ApiClient, id: number, days: number): Promise<SegmentSize[]> {
  return (await client.get<{ sizes: SegmentSize[] }>(`/segments/${id}/sizes`, { days })).sizes;
}

export async function fetchMemberships(client: ApiClient, customerId: number): Promise<CustomerMembership[]> {
  return (await client.get<{ memberships: CustomerMembership[] }>('/segments/memberships', { customerId })).memberships;
}

/** The address of a members CSV with the chosen columns. */
export const membersCsvPath = (id: number, columns: readonly string[]): string => `/api/segments/${id}/export.csv?${new URLSearchParams({ columns: columns.join(',') }).toString()}`;
/** The address of an ad-platform audience file. */
export const audienceCsvPath = (id: number, format: 'meta' | 'google'): string => `/api/segments/${id}/audience.csv?format=${format}`;

/**
 * Downloads a file of the API under the console's sign-in: the session cookie goes with any same-origin
 * request, but a key kept in this browser must be sent as a header, which a plain link cannot do.
 * Failures are thrown as ApiError, to be shown next to the button that asked.
 */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const key = readApiKey();
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', headers: key ? { authorization: `Bearer ${key}` } : {} });
  } catch (cause) {
    throw new ApiError('network', `Could not reach the Patron server (${cause instanceof Error ? cause.message : String(cause)})`, 0);
  }
  if (!response.ok) throw await errorFromResponse(response);
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // Give the browser a moment to start the download before the blob goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
