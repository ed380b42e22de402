import { lifecycleStages, rfmSegments, valueTiers } from '../analytics/index.ts';

/**
 * The fields a rule may name, and the only place their SQL comes from: a rule never carries SQL or a
 * column name of its own. `source` says which table holds the field (customers, customer_scores or
 * customer_stats), which is also what a change to that table makes a dynamic segment re-check.
 */
export type FieldType = 'text' | 'enum' | 'number' | 'money' | 'timestamp' | 'date' | 'boolean';
export type FieldSource = 'profile' | 'scores' | 'orders';

export interface FieldDefinition {
  readonly type: FieldType;
  readonly source: FieldSource;
  /** The column, qualified by the alias of its table in the compiled statement (c, sc or st). */
  readonly column: string;
  readonly values?: readonly string[];
  readonly label: string;
  /** A count or sum that is 0, not unknown, for a customer without orders (no customer_stats row). */
  readonly zeroWhenMissing?: boolean;
}

const genders = ['female', 'male', 'other'] as const;

export const fieldCatalogue = {
  name: { type: 'text', source: 'profile', column: 'c.name', label: 'Name' },
  gender: { type: 'enum', source: 'profile', column: 'c.gender', values: genders, label: 'Gender' },
  birthday: { type: 'date', source: 'profile', column: 'c.birthday', label: 'Birthday' },
  city: { type: 'text', source: 'profile', column: 'c.city', label: 'City' },
  province: { type: 'text', source: 'profile', column: 'c.province', label: 'Province' },
  country: { type: 'text', source: 'profile', column: 'c.country', label: 'Country' },
  timezone: { type: 'text', source: 'profile', column: 'c.timezone', label: 'Time zone' },
  acquisition_channel: { type: 'text', source: 'profile', column: 'c.acquisition_channel', label: 'Acquisition channel' },
  signed_up_at: { type: 'timestamp', source: 'profile', column: 'c.signed_up_at', label: 'Signed up' },
  first_seen_at: { type: 'timestamp', source: 'profile', column: 'c.created_at', label: 'First seen' },

  rfm_segment: { type: 'enum', source: 'scores', column: 'sc.rfm_segment', values: rfmSegments, label: 'RFM segment' },
  lifecycle_stage: { type: 'enum', source: 'scores', column: 'sc.lifecycle_stage', values: lifecycleStages, label: 'Lifecycle stage' },
  value_tier: { type: 'enum', source: 'scores', column: 'sc.value_tier', values: valueTiers, label: 'Value tier' },
  r_score: { type: 'number', source: 'scores', column: 'sc.r_score', label: 'R score' },
  f_score: { type: 'number', source: 'scores', column: 'sc.f_score', label: 'F score' },
  m_score: { type: 'number', source: 'scores', column: 'sc.m_score', label: 'M score' },
  recency_days: { type: 'number', source: 'scores', column: 'sc.recency_days', label: 'Days since last order (at scoring)' },
  clv: { type: 'money', source: 'scores', column: 'sc.clv_minor', label: 'Predicted CLV' },
  p_alive: { type: 'number', source: 'scores', column: 'sc.p_alive', label: 'P(alive)' },
  expected_purchases_90: { type: 'number', source: 'scores', column: 'sc.expected_purchases_90', label: 'Expected purchases, next 90 days' },
  churn_risk: { type: 'boolean', source: 'scores', column: 'churn_risk', label: 'On the churn early warning' },

  order_count: { type: 'number', source: 'orders', column: 'st.order_count', label: 'Orders (lifetime)', zeroWhenMissing: true },
  total_spent: { type: 'money', source: 'orders', column: 'st.total_minor', label: 'Total spent (lifetime)', zeroWhenMissing: true },
  first_order_at: { type: 'timestamp', source: 'orders', column: 'st.first_order_at', label: 'First order' },
  last_order_at: { type: 'timestamp', source: 'orders', column: 'st.last_order_at', label: 'Last order' },
  last_order_channel: { type: 'text', source: 'orders', column: 'st.last_order_channel', label: 'Last order channel' },
  last_order_store: { type: 'text', source: 'orders', column: 'st.last_order_store', label: 'Last order store' },
} as const satisfies Record<string, FieldDefinition>;

export type FieldName = keyof typeof fieldCatalogue;
export const fieldNames = Object.keys(fieldCatalogue) as FieldName[];

/** The operators each field type accepts; anything else is rejected with this list in the message. */
export const operatorsByType = {
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'is_set', 'is_not_set'],
  enum: ['eq', 'neq', 'in', 'not_in', 'is_set', 'is_not_set'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  money: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  timestamp: ['before', 'after', 'between', 'in_last', 'not_in_last', 'in_next', 'anniversary_in_next', 'is_set', 'is_not_set'],
  date: ['before', 'after', 'between', 'in_last', 'not_in_last', 'in_next', 'anniversary_in_next', 'is_set', 'is_not_set'],
  boolean: ['is_true', 'is_false'],
} as const satisfies Record<FieldType, readonly string[]>;

export type FieldOperator = (typeof operatorsByType)[FieldType][number];
