// The API's payloads as the console receives them: the server's own result types, after JSON.
import type { Customer360, CustomerSummary } from '../../../src/customers/index.ts';

/** A value after a JSON round trip: dates arrive as ISO strings. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export type CustomerRow = Jsonified<CustomerSummary>;
export type CustomerDetail = Jsonified<Customer360>;
export type CustomerOrder = CustomerDetail['recentOrders'][number];
export type CustomerEvent = CustomerDetail['recentEvents'][number];
export type CustomerMerge = CustomerDetail['merges'][number];

export interface CustomerPage {
  customers: CustomerRow[];
  nextCursor: string | null;
}

export interface TagCount {
  id: number;
  name: string;
  customers: number;
}
