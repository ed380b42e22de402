import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A JSON object column (jsonb) read as an object and written as one. */
export type JsonObject = Record<string, unknown>;
type Jsonb = JSONColumnType<JsonObject, JsonObject | string, JsonObject | string>;
/** A timestamp column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface WorkspacesTable {
  id: Generated<number>;
  slug: string;
  name: string;
  default_country: Generated<string>;
  currency: Generated<string>;
  timezone: Generated<string>;
  settings: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  workspace_id: number;
  id: Generated<number>;
  kind: 'write' | 'secret';
  name: string;
  key_hash: string;
  key_prefix: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface CustomersTable {
  workspace_id: number;
  id: Generated<number>;
  name: string | null;
  gender: 'female' | 'male' | 'other' | null;
  /** ISO date string (YYYY-MM-DD). */
  birthday: string | null;
  city: string | null;
  province: string | null;
  country: string | null;
  timezone: string | null;
  signed_up_at: Timestamp | null;
  acquisition_channel: string | null;
  attributes: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  merged_into: number | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface IdentitiesTable {
  workspace_id: number;
  type: string;
  value: string;
  customer_id: number;
  origin_customer_id: number;
  first_seen_at: CreatedAt;
}

export interface CustomerMergesTable {
  workspace_id: number;
  id: Generated<number>;
  survivor_id: number;
  merged_id: number;
  reason: string;
  filled_fields: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  merged_tag_ids: ColumnType<number[], number[] | undefined, number[]>;
  created_at: CreatedAt;
  undone_at: Timestamp | null;
}

export interface MergeBlocksTable {
  workspace_id: number;
  customer_a: number;
  customer_b: number;
  created_at: CreatedAt;
}

export interface IdentityConflictsTable {
  workspace_id: number;
  id: Generated<number>;
  customer_id: number;
  other_customer_id: number | null;
  type: string;
  value: string;
  reason: string;
  created_at: CreatedAt;
}

export interface TagsTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  created_at: CreatedAt;
}

export interface CustomerTagsTable {
  workspace_id: number;
  customer_id: number;
  tag_id: number;
  created_at: CreatedAt;
}

export interface ProductsTable {
  workspace_id: number;
  id: Generated<number>;
  sku: string;
  name: string;
  category: string | null;
  price_minor: number | null;
  currency: string;
  attributes: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type OrderStatus = 'completed' | 'partially_refunded' | 'refunded' | 'cancelled';

export interface OrdersTable {
  workspace_id: number;
  id: Generated<number>;
  external_id: string;
  customer_id: number | null;
  origin_customer_id: number | null;
  channel: string | null;
  store: string | null;
  status: OrderStatus;
  currency: string;
  ordered_at: Timestamp;
  total_minor: number;
  refunded_minor: ColumnType<number, number | undefined, number>;
  item_count: ColumnType<number, number | undefined, number>;
  /** Hash of the order as last written, so re-importing an unchanged order writes nothing. */
  content_hash: string;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface OrderItemsTable {
  workspace_id: number;
  order_id: number;
  line_no: number;
  sku: string | null;
  product_name: string | null;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
  amount_minor: number;
}

export interface OrderRefundsTable {
  workspace_id: number;
  order_id: number;
  external_id: string;
  amount_minor: number;
  refunded_at: Timestamp;
  created_at: CreatedAt;
}

export type EventType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

export interface EventsTable {
  workspace_id: number;
  id: Generated<number>;
  message_id: string;
  customer_id: number | null;
  origin_customer_id: number | null;
  anonymous_id: string | null;
  type: EventType;
  name: string | null;
  occurred_at: Timestamp;
  received_at: Timestamp;
  properties: Jsonb;
  context: Jsonb;
}

export interface CustomerStatsTable {
  workspace_id: number;
  customer_id: number;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  order_count: number;
  order_days: number;
  total_minor: number;
  refunded_minor: number;
  first_day_minor: number;
  item_count: number;
  last_order_channel: string | null;
  last_order_store: string | null;
  updated_at: CreatedAt;
}

/** Every table Patron owns, as Kysely sees them. */
export interface Database {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  identities: IdentitiesTable;
  customer_merges: CustomerMergesTable;
  merge_blocks: MergeBlocksTable;
  identity_conflicts: IdentityConflictsTable;
  tags: TagsTable;
  customer_tags: CustomerTagsTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_refunds: OrderRefundsTable;
  events: EventsTable;
  customer_stats: CustomerStatsTable;
}

/** Per-workspace analytics settings (RFM, lifecycle, value tier, CLV, churn warning); validated by analytics/settings.ts. */
export interface AnalyticsSettingsTable {
  workspace_id: number;
  settings: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  updated_at: CreatedAt;
}

export type ScoreRunKind = 'full' | 'cold' | 'targeted';

/** One scoring run: its as-of date, the parameters it used (cut points, thresholds, fitted models) and what it found. */
export interface ScoreRunsTable {
  workspace_id: number;
  id: Generated<number>;
  kind: ScoreRunKind;
  /** ISO date (YYYY-MM-DD) in the workspace's time zone. */
  as_of: string;
  started_at: CreatedAt;
  finished_at: Timestamp | null;
  customers: ColumnType<number, number | undefined, number>;
  params: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  diagnostics: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
}

/** The current scores of each buyer (one row per customer), rewritten by every run that covers them. */
export interface CustomerScoresTable {
  workspace_id: number;
  customer_id: number;
  run_id: number;
  as_of: string;
  first_order_day: string;
  last_order_day: string;
  recency_days: number;
  frequency: number;
  monetary_minor: number;
  revenue_minor: number;
  r_score: number;
  f_score: number;
  m_score: number;
  rfm_segment: string;
  lifecycle_stage: string;
  stage_since: string;
  value_tier: string;
  p_alive: number | null;
  expected_purchases_30: number | null;
  expected_purchases_90: number | null;
  expected_purchases_365: number | null;
  expected_aov_minor: number | null;
  clv_minor: number | null;
  expected_gap_days: number | null;
  updated_at: CreatedAt;
}

/** A customer's scores at a run, written only when their segment, stage or tier changed (or every run in snapshot mode). */
export interface CustomerScoreHistoryTable {
  workspace_id: number;
  customer_id: number;
  run_id: number;
  as_of: string;
  r_score: number;
  f_score: number;
  m_score: number;
  rfm_segment: string;
  lifecycle_stage: string;
  value_tier: string;
  p_alive: number | null;
  clv_minor: number | null;
}

/** A lifecycle stage change, dated when it happened (not when the run noticed it). */
export interface LifecycleTransitionsTable {
  workspace_id: number;
  customer_id: number;
  changed_on: string;
  to_stage: string;
  from_stage: string | null;
  run_id: number;
}

/** A customer flagged by a run's churn early warning, with the figures behind the reasons. */
export interface ChurnWarningsTable {
  workspace_id: number;
  run_id: number;
  customer_id: number;
  reasons: string[];
  p_alive: number | null;
  previous_p_alive: number | null;
  gap_days: number;
  expected_gap_days: number | null;
}

// Declaration merging adds the analytics tables to Database without editing the core list above.
export interface Database {
  analytics_settings: AnalyticsSettingsTable;
  score_runs: ScoreRunsTable;
  customer_scores: CustomerScoresTable;
  customer_score_history: CustomerScoreHistoryTable;
  lifecycle_transitions: LifecycleTransitionsTable;
  churn_warnings: ChurnWarningsTable;
}

export type ConsentChannel = 'email' | 'sms' | 'wechat' | 'push' | 'phone';
export type ConsentPurpose = 'marketing' | 'transactional';
export type ConsentStatus = 'opted_in' | 'opted_out';

/** A customer's current consent for one channel and purpose (the latest statement by recorded_at). */
export interface ConsentsTable {
  workspace_id: number;
  customer_id: number;
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  status: ConsentStatus;
  source: string;
  recorded_at: Timestamp;
}

/** Every consent statement ever received, append-only. */
export interface ConsentRecordsTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  channel: ConsentChannel;
  purpose: ConsentPurpose;
  status: ConsentStatus;
  source: string;
  recorded_at: Timestamp;
  created_at: CreatedAt;
}

export interface Database {
  consents: ConsentsTable;
  consent_records: ConsentRecordsTable;
}

/** A console role; what each may do is the permission matrix in src/access/permissions.ts. */
export type UserRole = 'owner' | 'admin' | 'operator' | 'analyst' | 'viewer';

/**
 * A console user: a person with one email (unique across the installation) and one password. workspace_id is
 * the workspace the account was created in; the workspaces they may use, and their role in each, are memberships.
 */
export interface UsersTable {
  workspace_id: number;
  id: Generated<number>;
  email: string;
  name: string;
  /** argon2id, PHC string format. */
  password_hash: string;
  /** True only for the owner made by the first-run setup; a unique index lets one such row exist. */
  first_owner: Generated<boolean>;
  created_at: CreatedAt;
  last_login_at: Timestamp | null;
}

/** A user's role in one workspace (migration 0014-access-memberships); a disabled membership cannot sign in there. */
export interface MembershipsTable {
  workspace_id: number;
  user_id: number;
  role: UserRole;
  created_at: CreatedAt;
  /** When the user last signed in to or switched to this workspace (sign-in opens the most recent one). */
  last_used_at: Timestamp | null;
  disabled_at: Timestamp | null;
}

/** An invitation to join a workspace with a role; the emailed link's token is stored only as its SHA-256. */
export interface InvitationsTable {
  workspace_id: number;
  id: Generated<number>;
  email: string;
  role: UserRole;
  token_hash: string;
  invited_by: number | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Last emailed; null while it was only handed to the inviter (no SMTP configured). */
  sent_at: Timestamp | null;
  send_count: Generated<number>;
  accepted_at: Timestamp | null;
  accepted_by: number | null;
  revoked_at: Timestamp | null;
}

/** A password reset link (single use, expiring); workspace_id is the user's account workspace, the token only its SHA-256. */
export interface PasswordResetsTable {
  workspace_id: number;
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A signed-in console session; the cookie carries the token, the table only its SHA-256. */
export interface SessionsTable {
  workspace_id: number;
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

/** Who made a change recorded in the audit log. */
export type AuditActorType = 'user' | 'api_key' | 'cli' | 'system';

/** One change, append-only (a trigger refuses UPDATE and TRUNCATE and ignores DELETE); never holds secrets or personal data. */
export interface AuditLogTable {
  workspace_id: number;
  id: Generated<number>;
  at: Timestamp;
  actor_type: AuditActorType;
  actor_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: ColumnType<JsonObject | null, string | null | undefined, never>;
  after: ColumnType<JsonObject | null, string | null | undefined, never>;
  details: ColumnType<JsonObject, string | undefined, never>;
  /** The HTTP status of an API change; null for CLI and domain entries. */
  outcome: number | null;
  request_id: string | null;
}

/** Columns 0006-access adds to api_keys: null scopes mean the kind's default (every permission a key may hold). */
export interface ApiKeysTable {
  scopes: string[] | null;
  created_by: number | null;
}

export interface Database {
  users: UsersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  password_resets: PasswordResetsTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
}

/** A loyalty program; rules is validated by loyalty/schema.ts (earn rules, bonuses, expiry, tiers). */
export interface LoyaltyProgramsTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  rules: ColumnType<JsonObject, JsonObject | string, JsonObject | string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** A customer's account in a program: the balance (always the sum of its postings) and the current tier. */
export interface LoyaltyAccountsTable {
  workspace_id: number;
  customer_id: number;
  program_id: number;
  balance: ColumnType<number, number | undefined, number>;
  tier: string | null;
  tier_since: Timestamp | null;
  /** When a downgrade may next be considered (end of the tier's period plus grace). */
  tier_review_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type LoyaltyPostingKind = 'earn' | 'bonus' | 'redeem' | 'adjust' | 'reverse' | 'expire' | 'transfer';

/** One append-only ledger entry; points are signed (credits positive, debits negative). */
export interface LoyaltyPostingsTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  program_id: number;
  idempotency_key: string;
  request_hash: string;
  kind: LoyaltyPostingKind;
  points: number;
  rule: string | null;
  order_id: number | null;
  reason: string;
  actor: string;
  details: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  occurred_at: Timestamp;
  created_at: Timestamp;
}

/** What a credit posting has left to spend, and when it expires. */
export interface LoyaltyLotsTable {
  workspace_id: number;
  customer_id: number;
  posting_id: number;
  program_id: number;
  points: number;
  remaining: number;
  earned_at: Timestamp;
  expires_at: Timestamp | null;
}

/** How many points of which lot a debit posting consumed. */
export interface LoyaltyLotUsesTable {
  workspace_id: number;
  customer_id: number;
  posting_id: number;
  lot_id: number;
  points: number;
}

export interface LoyaltyTierChangesTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  program_id: number;
  from_tier: string | null;
  to_tier: string | null;
  reason: 'qualified' | 'period_end' | 'merge' | 'unmerge';
  qualifying_value: number;
  changed_at: Timestamp;
}

export interface CouponTemplatesTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  discount_kind: 'amount_off' | 'percent_off';
  amount_off_minor: number | null;
  percent_off: number | null;
  max_discount_minor: number | null;
  min_spend_minor: ColumnType<number, number | undefined, number>;
  categories: string[] | null;
  valid_from: Timestamp | null;
  valid_until: Timestamp | null;
  valid_days: number | null;
  per_customer_limit: number | null;
  points_cost: number | null;
  tiers: string[] | null;
  created_at: CreatedAt;
}

export interface CouponsTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  template_id: number;
  code: string;
  issue_key: string | null;
  source: string;
  issued_at: Timestamp;
  valid_from: Timestamp;
  expires_at: Timestamp | null;
  redeemed_at: Timestamp | null;
  order_external_id: string | null;
  order_total_minor: number | null;
  discount_minor: number | null;
  /** The profile the coupon was issued to, once a merge moved it to another (an unmerge moves it back). */
  origin_customer_id: number | null;
  /** When the coupon was last released because its order was cancelled or refunded in full, and that order. */
  released_at: Timestamp | null;
  released_order_external_id: string | null;
}

/** What a profile merge moved in one program: the points, both tiers before, and whether the survivor took the merged tier. */
export interface LoyaltyMergesTable {
  workspace_id: number;
  merge_id: number;
  program_id: number;
  survivor_id: number;
  merged_id: number;
  points: number;
  survivor_tier: string | null;
  survivor_tier_since: Timestamp | null;
  survivor_tier_review_at: Timestamp | null;
  merged_tier: string | null;
  merged_tier_since: Timestamp | null;
  merged_tier_review_at: Timestamp | null;
  adopted_tier: boolean;
  merged_at: Timestamp;
  returned_points: number | null;
  undone_at: Timestamp | null;
}

export interface Database {
  loyalty_programs: LoyaltyProgramsTable;
  loyalty_accounts: LoyaltyAccountsTable;
  loyalty_postings: LoyaltyPostingsTable;
  loyalty_lots: LoyaltyLotsTable;
  loyalty_lot_uses: LoyaltyLotUsesTable;
  loyalty_tier_changes: LoyaltyTierChangesTable;
  coupon_templates: CouponTemplatesTable;
  coupons: CouponsTable;
  loyalty_merges: LoyaltyMergesTable;
}

/** A saved segment: its rule (JSON, validated by segments/rule.ts) and what the rule reads. */
export interface SegmentsTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  kind: 'dynamic' | 'static';
  rule: Jsonb;
  rule_version: Generated<number>;
  reads: ColumnType<string[], string[] | undefined, string[]>;
  depends_on: ColumnType<number[], number[] | undefined, number[]>;
  time_dependent: Generated<boolean>;
  member_count: Generated<number>;
  refreshed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  archived_at: Timestamp | null;
}

/** One stay of a customer in a segment; the current stay has no exited_at. */
export interface SegmentMembershipsTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  segment_id: number;
  entered_at: Timestamp;
  exited_at: Timestamp | null;
}

/** A segment's size at the end of a day (workspace time zone), with that day's entries and exits. */
export interface SegmentSizesTable {
  workspace_id: number;
  segment_id: number;
  day: string;
  members: number;
  entered: number;
  exited: number;
}

/** A customer touched by a write, and what the write touched (profile, tags, orders, event:<name>, …). */
export interface SegmentChangesTable {
  workspace_id: number;
  id: Generated<number>;
  customer_id: number;
  source: string;
}

export interface Database {
  segments: SegmentsTable;
  segment_memberships: SegmentMembershipsTable;
  segment_sizes: SegmentSizesTable;
  segment_changes: SegmentChangesTable;
}

/** A journey: its state and the version new entries take; trigger_state remembers the last date scan and cron run. */
export interface JourneysTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  state: 'draft' | 'live' | 'paused' | 'archived';
  current_version_id: number | null;
  trigger_state: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One version of a journey's graph (validated by journeys/graph.ts); entries stay on the version they entered. */
export interface JourneyVersionsTable {
  workspace_id: number;
  id: Generated<number>;
  journey_id: number;
  version: number;
  graph: Jsonb;
  created_at: Timestamp;
}

/** One customer's pass through one journey version: the durable state the engine moves forward. */
export interface JourneyEntriesTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  journey_id: number;
  version_id: number;
  node_id: string;
  status: 'active' | 'waiting' | 'completed' | 'exited' | 'converted' | 'failed';
  due_at: Timestamp;
  waiting_for: string | null;
  attempts: Generated<number>;
  context: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  last_error: string | null;
  entered_at: Timestamp;
  finished_at: Timestamp | null;
}

/** How far the journey engine has read a workspace's events (event triggers, waits for events, goals). */
export interface JourneyEventCursorsTable {
  workspace_id: number;
  last_event_id: number;
}

/** A task a journey created for an account manager. */
export interface JourneyTasksTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  journey_id: number;
  entry_id: number;
  node_id: string;
  title: string;
  assignee: string;
  due_at: Timestamp;
  status: Generated<'open' | 'done'>;
  created_at: Timestamp;
  done_at: Timestamp | null;
}

/** A broadcast to a segment; definition (channel, variants, holdout, attribution) is validated by journeys/campaigns.ts. */
export interface CampaignsTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  segment_id: number;
  definition: Jsonb;
  status: 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled';
  scheduled_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A campaign's recipient: the variant (or 'holdout') assigned by hashing, and what the send did. */
export interface CampaignRecipientsTable {
  workspace_id: number;
  customer_id: number;
  campaign_id: number;
  variant: string;
  assigned_at: Timestamp;
  outcome: string | null;
  message_id: number | null;
  /** Quiet hours held the message: the recipient is tried again from this time. */
  retry_at: Timestamp | null;
}

export interface Database {
  journeys: JourneysTable;
  journey_versions: JourneyVersionsTable;
  journey_entries: JourneyEntriesTable;
  journey_event_cursors: JourneyEventCursorsTable;
  journey_tasks: JourneyTasksTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
}

// ---- channels (migration 0008) ----

export type ChannelKindColumn = 'email' | 'sms' | 'wechat' | 'webhook';
export type MessageStatus = 'queued' | 'held' | 'sent' | 'delivered' | 'failed' | 'bounced' | 'suppressed' | 'dry_run';

/** A workspace's provider for one channel: config shown by the API, secrets never shown. */
export interface ChannelProvidersTable {
  workspace_id: number;
  channel: ChannelKindColumn;
  config: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  secrets: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  updated_at: CreatedAt;
}

/** A workspace's contact policy (validated by channels/policy) and the secret that signs its links. */
export interface ContactPoliciesTable {
  workspace_id: number;
  policy: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  link_secret: string;
  updated_at: CreatedAt;
}

/** An address that must not be contacted on a channel (bounce, complaint, manual). */
export interface SuppressionsTable {
  workspace_id: number;
  channel: ChannelKindColumn;
  address: string;
  reason: string;
  source: string;
  created_at: CreatedAt;
}

/** A named message template (Liquid). */
export interface MessageTemplatesTable {
  workspace_id: number;
  id: Generated<number>;
  name: string;
  content: ColumnType<JsonObject, JsonObject | string, JsonObject | string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** The message log and outbox: one row per idempotency key, with its status and what happened to it. */
export interface MessagesTable {
  workspace_id: number;
  customer_id: number;
  id: Generated<number>;
  idempotency_key: string;
  channel: ChannelKindColumn | null;
  purpose: 'marketing' | 'transactional';
  status: MessageStatus;
  reason: string | null;
  source_kind: 'journey' | 'campaign' | 'api';
  source_id: number;
  step_id: string | null;
  variant: string | null;
  address: string | null;
  content: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  provider_message_id: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  opened_at: Timestamp | null;
  clicked_at: Timestamp | null;
  clicks: ColumnType<number, number | undefined, number>;
  unsubscribed_at: Timestamp | null;
  /** When a provider last reported the message's fate (delivery receipt, bounce, complaint). */
  reported_at: Timestamp | null;
}

export interface Database {
  channel_providers: ChannelProvidersTable;
  contact_policies: ContactPoliciesTable;
  suppressions: SuppressionsTable;
  message_templates: MessageTemplatesTable;
  messages: MessagesTable;
}

// Analytics inputs and precomputed views (migration 0010-analytics-rollups).

/** Marketing spend on one acquisition channel over a period (a day or a month), for CAC. */
export interface MarketingSpendTable {
  workspace_id: number;
  channel: string;
  period_start: ColumnType<string, string, string>;
  period_end: ColumnType<string, string, string>;
  amount_minor: ColumnType<number, number, number>;
  currency: string;
  source: Generated<string>;
  updated_at: CreatedAt;
}

/** A customer whose orders changed since the last scoring, waiting for targeted rescoring. */
export interface AnalyticsChangesTable {
  workspace_id: number;
  id: Generated<number>;
  customer_id: number;
}

/** A view of the overview precomputed by the analytics run (KPIs of a period, the cohort matrix). */
export interface AnalyticsOverviewTable {
  workspace_id: number;
  view: string;
  params: string;
  as_of: ColumnType<string, string, string>;
  computed_at: Timestamp;
  payload: ColumnType<JsonObject, JsonObject | string, JsonObject | string>;
}

export interface Database {
  marketing_spend: MarketingSpendTable;
  analytics_changes: AnalyticsChangesTable;
  analytics_overview: AnalyticsOverviewTable;
}

// The scoring snapshot's counts and lifecycle moves per day (migration 0013-analytics-snapshot).

/** Which run a workspace's score counts are of: the full run that built them and the last run that adjusted them. */
export interface AnalyticsScoreSnapshotsTable {
  workspace_id: number;
  run_id: number;
  as_of: ColumnType<string, string, string>;
  /** CLV band edges in minor units (width_bucket), fixed when the full run built the counts. */
  clv_edges: number[];
  updated_run_id: number;
  updated_at: Timestamp;
}

/** Customers, revenue and CLV of one group of the current scores (an R×F cell "r:f", a segment, stage, tier or CLV band). */
export interface AnalyticsScoreCountsTable {
  workspace_id: number;
  dimension: 'rfm_cell' | 'rfm_segment' | 'lifecycle_stage' | 'value_tier' | 'clv_band';
  key: string;
  customers: ColumnType<number, number, number>;
  revenue_minor: ColumnType<number, number, number>;
  clv_minor: number;
}

/** Moves between lifecycle stages on one day; from_stage '' is a customer's first stage. */
export interface LifecycleFlowDaysTable {
  workspace_id: number;
  changed_on: ColumnType<string, string, string>;
  from_stage: string;
  to_stage: string;
  customers: ColumnType<number, number, number>;
}

export interface Database {
  analytics_score_snapshots: AnalyticsScoreSnapshotsTable;
  analytics_score_counts: AnalyticsScoreCountsTable;
  lifecycle_flow_days: LifecycleFlowDaysTable;
}
