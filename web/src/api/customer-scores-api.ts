import type { CustomerScoresView } from '../../../src/analytics/index.ts';
import type { ApiClient } from './client.ts';

/** A customer's current scores with a one-line explanation each; not_found when no run has scored them. */
export function fetchCustomerScores(client: ApiClient, id: number): Promise<CustomerScoresView> {
  return client.get<CustomerScoresView>(`/analytics/customers/${id}/scores`);
}
