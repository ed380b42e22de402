import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

// Loyalty across profile merges and order returns: a `transfer` posting kind (points moved between
// accounts when profiles merge or unmerge, so every account stays the sum of its postings), tier changes
// made by a merge or unmerge, the record of what each merge moved (to undo it), the profile a coupon was
// first issued to (so an unmerge can move it back), and the release of coupons whose order was cancelled or
// refunded in full. Reversals of an order are summed over all accounts (its points may have moved with a
// merge), so they get a partial index of their own; coupons are found by the order they were used on.
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE loyalty_postings DROP CONSTRAINT loyalty_postings_kind_check;
    ALTER TABLE loyalty_postings ADD CONSTRAINT loyalty_postings_kind_check CHECK (kind IN ('earn', 'bonus', 'redeem', 'adjust', 'reverse', 'expire', 'transfer'));
    CREATE INDEX loyalty_postings_order_reversals ON loyalty_postings (workspace_id, order_id) WHERE kind = 'reverse';

    ALTER TABLE loyalty_tier_changes DROP CONSTRAINT loyalty_tier_changes_reason_check;
    ALTER TABLE loyalty_tier_changes ADD CONSTRAINT loyalty_tier_changes_reason_check CHECK (reason IN ('qualified', 'period_end', 'merge', 'unmerge'));

    CREATE TABLE loyalty_merges (
      workspace_id bigint NOT NULL REFERENCES workspaces (id),
      merge_id bigint NOT NULL,
      program_id bigint NOT NULL,
      survivor_id bigint NOT NULL,
      merged_id bigint NOT NULL,
      points bigint NOT NULL,
      survivor_tier text,
      survivor_tier_since timestamptz,
      survivor_tier_review_at timestamptz,
      merged_tier text,
      merged_tier_since timestamptz,
      merged_tier_review_at timestamptz,
      adopted_tier boolean NOT NULL,
      merged_at timestamptz NOT NULL,
      returned_points bigint,
      undone_at timestamptz,
      PRIMARY KEY (workspace_id, merge_id, program_id)
    );

    ALTER TABLE coupons ADD COLUMN origin_customer_id bigint;
    ALTER TABLE coupons ADD COLUMN released_at timestamptz;
    ALTER TABLE coupons ADD COLUMN released_order_external_id text;
    CREATE INDEX coupons_order ON coupons (workspace_id, order_external_id) WHERE order_external_id IS NOT NULL;
  `,
  );
}
