import type { ApiClient } from './client.ts';
import type { CustomerDetail, CustomerPage, TagCount } from './payloads.ts';

/** The customer list filters, as GET /api/customers takes them. */
export interface CustomerQuery {
  readonly q?: string;
  readonly tag?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** One page of customers, newest first. */
export function fetchCustomers(client: ApiClient, query: CustomerQuery): Promise<CustomerPage> {
  return client.get<CustomerPage>('/customers', { q: query.q?.trim() || undefined, tag: query.tag, limit: query.limit, cursor: query.cursor });
}

/** The customer 360 (a merged-away id answers with the live profile). */
export function fetchCustomer(client: ApiClient, id: number): Promise<CustomerDetail> {
  return client.get<CustomerDetail>(`/customers/${id}`);
}

/** Every tag with its customer count, for the tag filter. */
export async function fetchTags(client: ApiClient): Promise<TagCount[]> {
  return (await client.get<{ tags: TagCount[] }>('/tags')).tags;
}

/** Adds and removes tags on customers. */
export function updateCustomerTags(client: ApiClient, input: { customerIds: number[]; add?: string[]; remove?: string[] }): Promise<{ added: number; removed: number }> {
  return client.post('/customers/tags', { customerIds: input.customerIds, add: input.add ?? [], remove: input.remove ?? [] });
}

/** Undoes a merge: the merged customer becomes a separate profile again. */
export function undoMerge(client: ApiClient, mergeId: number): Promise<{ survivorId: number; restoredId: number }> {
  return client.post(`/merges/${mergeId}/undo`);
}
